import { strict as assert } from "assert";
import { cronProblem, cronToOnCalendar } from "../../components/app/schedule";

const PREFIX =
  "must be a cron schedule: 5 fields (minute hour day-of-month month day-of-week) or one of " +
  "@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually; ";

/** What cronProblem says after the shared explanation. */
function problem(expr: string): string | undefined {
  const message = cronProblem(expr);
  if (message === undefined) return undefined;
  assert.ok(message.startsWith(PREFIX), message);
  return message.slice(PREFIX.length);
}

describe("Job schedules (cron)", () => {
  describe("cronProblem", () => {
    it("accepts numbers, lists, ranges, steps, names and the @ shorthands", () => {
      const valid = [
        "* * * * *",
        "0 3 * * *",
        "*/15 * * * *",
        "0,30 8-18 * * 1-5",
        "0 8-18/2 * * *",
        "5/20 * * * *",
        "0 0 1 jan *",
        "0 0 * * MON-FRI",
        "0 0 * * sun,Sat",
        "0 0 * * 7",
        "0 0 * * 0-7",
        "  0  3 * *  *  ",
        "@hourly",
        "@daily",
        "@midnight",
        "@weekly",
        "@monthly",
        "@yearly",
        "@annually",
        "@Daily",
      ];
      assert.deepEqual(valid.filter((e) => cronProblem(e) !== undefined), []);
    });

    it("says the value is empty", () => {
      assert.equal(problem(""), "it is empty");
      assert.equal(problem("   "), "it is empty");
    });

    it("refuses @reboot: jobs run on a schedule, not at boot", () => {
      assert.equal(problem("@reboot"), "@reboot is not supported: jobs run on a schedule, not at boot");
    });

    it("refuses an unknown @ shorthand", () => {
      assert.equal(problem("@fortnightly"), "@fortnightly is not one of them");
    });

    it("refuses the 6- and 7-field forms with seconds or years", () => {
      assert.equal(problem("0 0 3 * * *"), "found 6 fields (seconds and years are not supported)");
      assert.equal(problem("0 0 3 * * * 2030"), "found 7 fields (seconds and years are not supported)");
    });

    it("says how many fields it found when there are too few", () => {
      assert.equal(problem("0 3 *"), "found 3 fields");
      assert.equal(problem("daily"), "found 1 field");
    });

    it("names the field and its range when a value is out of range", () => {
      assert.equal(problem("60 * * * *"), "minute 60 is out of range 0-59");
      assert.equal(problem("0 25 * * *"), "hour 25 is out of range 0-23");
      assert.equal(problem("0 0 0 * *"), "day-of-month 0 is out of range 1-31");
      assert.equal(problem("0 0 32 * *"), "day-of-month 32 is out of range 1-31");
      assert.equal(problem("0 0 * 13 *"), "month 13 is out of range 1-12");
      assert.equal(problem("0 0 * * 8"), "day-of-week 8 is out of range 0-7");
      assert.equal(problem("0 1-24 * * *"), "hour 24 is out of range 0-23");
    });

    it("the full message completes a sentence that names the setting", () => {
      assert.equal(
        `berth:apps.shop.jobs.nightly.schedule ${cronProblem("0 25 * * *")}`,
        "berth:apps.shop.jobs.nightly.schedule must be a cron schedule: 5 fields (minute hour day-of-month month day-of-week) " +
          "or one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually; hour 25 is out of range 0-23",
      );
    });

    it("refuses the L, W, # and ? extensions", () => {
      assert.equal(problem("0 0 L * *"), "day-of-month L: L, W, # and ? are not supported");
      assert.equal(problem("0 0 15W * *"), "day-of-month 15W: L, W, # and ? are not supported");
      assert.equal(problem("0 0 LW * *"), "day-of-month LW: L, W, # and ? are not supported");
      assert.equal(problem("0 0 * * 5L"), "day-of-week 5L: L, W, # and ? are not supported");
      assert.equal(problem("0 0 * * 5#3"), "day-of-week 5#3: L, W, # and ? are not supported");
      assert.equal(problem("0 0 ? * MON"), "day-of-month ?: L, W, # and ? are not supported");
    });

    it("refuses a step of 0, naming the list item it is in", () => {
      assert.equal(problem("*/0 * * * *"), "minute */0: the step must be at least 1");
      assert.equal(problem("0 1,2-8/0 * * *"), "hour 1,2-8/0: the step in 2-8/0 must be at least 1");
    });

    it("refuses a step that is not a number, or two steps", () => {
      assert.equal(problem("*/x * * * *"), "minute */x: the step must be a number");
      assert.equal(problem("*/ * * * *"), "minute */: the step must be a number");
      assert.equal(problem("*/2/3 * * * *"), "minute */2/3: */2/3 has more than one step");
    });

    it("refuses a range that runs backwards", () => {
      assert.equal(problem("0 18-8 * * *"), "hour 18-8: the range runs backwards");
      assert.equal(problem("0 0 * * FRI-MON"), "day-of-week FRI-MON: the range runs backwards");
      assert.equal(problem("0 1,5-2 * * *"), "hour 1,5-2: the range in 5-2 runs backwards");
    });

    it("refuses malformed ranges and lists", () => {
      assert.equal(problem("1-2-3 * * * *"), "minute 1-2-3: 1-2-3 is not a range such as 1-5");
      assert.equal(problem("-5 * * * *"), "minute -5: a range needs a number on each side");
      assert.equal(problem("1,,2 * * * *"), "minute 1,,2 has an empty list item");
      assert.equal(problem("1, * * * *"), "minute 1, has an empty list item");
    });

    it("refuses words that are not numbers or names of that field", () => {
      assert.equal(problem("x * * * *"), "minute x: x is not a number");
      assert.equal(problem("0 0 * foo *"), "month foo: foo is not a number or a month name (JAN-DEC)");
      assert.equal(problem("0 0 * * MONDAY"), "day-of-week MONDAY: MONDAY is not a number or a day name (SUN-SAT)");
      assert.equal(problem("0 0 * MON *"), "month MON: MON is not a number or a month name (JAN-DEC)");
      assert.equal(problem("0 0 JAN * *"), "day-of-month JAN: JAN is not a number");
    });

    it("refuses a date no month has, which would never run", () => {
      assert.equal(problem("0 0 30 2 *"), "day-of-month 30 never occurs in FEB, so the job would never run");
      assert.equal(problem("0 0 31 APR,JUN *"), "day-of-month 31 never occurs in APR,JUN, so the job would never run");
      assert.equal(problem("0 0 29 2 *"), undefined, "29 February comes in leap years");
      assert.equal(problem("0 0 30 2 MON"), undefined, "runs on Mondays in February");
    });
  });

  describe("cronToOnCalendar", () => {
    it("writes unrestricted fields as * and the time in UTC", () => {
      assert.deepEqual(cronToOnCalendar("* * * * *"), ["*-*-* *:*:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 3 * * *"), ["*-*-* 03:00:00 UTC"]);
    });

    it("expands steps, ranges and lists to explicit lists", () => {
      assert.deepEqual(cronToOnCalendar("*/15 * * * *"), ["*-*-* *:00,15,30,45:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 8-18/4 * * *"), ["*-*-* 08,12,16:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("5/20 * * * *"), ["*-*-* *:05,25,45:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 0 1,15 jan-mar *"), ["*-01,02,03-01,15 00:00:00 UTC"]);
    });

    it("puts the weekdays first, by systemd's names, with 0 and 7 both Sunday", () => {
      assert.deepEqual(cronToOnCalendar("30 2 * * MON-FRI"), ["Mon,Tue,Wed,Thu,Fri *-*-* 02:30:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 0 * * 7"), ["Sun *-*-* 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 0 * * 0,7"), ["Sun *-*-* 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 0 * * 5-7"), ["Sun,Fri,Sat *-*-* 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 0 * * 0-7"), ["*-*-* 00:00:00 UTC"]);
    });

    it("steps day-of-week from a day to Saturday, not round to Sunday", () => {
      assert.deepEqual(cronToOnCalendar("0 0 * * 1/2"), ["Mon,Wed,Fri *-*-* 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 0 * * */2"), ["Sun,Tue,Thu,Sat *-*-* 00:00:00 UTC"]);
    });

    it("expands the @ shorthands", () => {
      assert.deepEqual(cronToOnCalendar("@hourly"), ["*-*-* *:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("@daily"), ["*-*-* 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("@midnight"), ["*-*-* 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("@weekly"), ["Sun *-*-* 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("@monthly"), ["*-*-01 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("@yearly"), ["*-01-01 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("@annually"), ["*-01-01 00:00:00 UTC"]);
    });

    it("runs on either day when day-of-month and day-of-week are both restricted, as cron does", () => {
      assert.deepEqual(cronToOnCalendar("0 0 1,15 * MON"), ["Mon *-*-* 00:00:00 UTC", "*-*-01,15 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 12 13 6 5"), ["Fri *-06-* 12:00:00 UTC", "*-06-13 12:00:00 UTC"]);
    });

    it("requires both days when either field is written from *, as cron does", () => {
      assert.deepEqual(cronToOnCalendar("0 0 */10 * MON"), ["Mon *-*-01,11,21,31 00:00:00 UTC"]);
      assert.deepEqual(cronToOnCalendar("0 0 1 * */2"), ["Sun,Tue,Thu,Sat *-*-01 00:00:00 UTC"]);
    });

    it("throws on a schedule cronProblem refuses, with its message", () => {
      assert.throws(() => cronToOnCalendar("0 25 * * *"), /"0 25 \* \* \*" must be a cron schedule: .*hour 25 is out of range 0-23$/);
      assert.throws(() => cronToOnCalendar("@reboot"), /not at boot/);
    });
  });
});

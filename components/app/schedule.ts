/**
 * Cron schedules (POSIX cron, in UTC) turned into systemd OnCalendar= values. Pure functions: the
 * config schema checks a job's schedule with cronProblem, the job units are rendered with
 * cronToOnCalendar. Only what every cron agrees on is accepted; the Quartz and Vixie extensions
 * that other crons read differently (seconds, L, W, #, ?, @reboot) are refused, not guessed at.
 */

/** The shorthands cron accepts, as the 5 fields they stand for. */
const MACROS: Record<string, string> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

const WHAT =
  "must be a cron schedule: 5 fields (minute hour day-of-month month day-of-week) or one of " +
  `${Object.keys(MACROS).join(", ")}`;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
/** systemd's weekday names, Sunday first like cron's numbers. */
const SYSTEMD_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
/** The most days each month can have (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names standing for numbers: index + min. */
  names?: string[];
  namesHint?: string;
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesHint: "a month name (JAN-DEC)" },
  // 7 is Sunday too, as in every cron; folded into 0 once the field is read.
  { name: "day-of-week", min: 0, max: 7, names: DAYS, namesHint: "a day name (SUN-SAT)" },
];

/** A schedule read into the values each field matches. */
interface Schedule {
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  /** 0 (Sunday) to 6. */
  weekdays: number[];
  /** Whether day-of-month / day-of-week were written starting with `*` (cron's OR rule below). */
  daysStar: boolean;
  weekdaysStar: boolean;
}

class CronError extends Error {}

/** Undefined when `expr` is a schedule berth runs; otherwise what is wrong, after "must be ...". */
export function cronProblem(expr: string): string | undefined {
  try {
    parse(expr);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return `${WHAT}; ${err.message}`;
    throw err;
  }
}

/**
 * systemd OnCalendar= values (UTC) that together fire exactly when cron would run `expr`.
 * Cron runs a job whose day-of-month and day-of-week are both restricted when EITHER matches; one
 * calendar spec can only require both, so that case gives two values, which systemd ORs.
 * Throws on a schedule cronProblem refuses.
 */
export function cronToOnCalendar(expr: string): string[] {
  let s: Schedule;
  try {
    s = parse(expr);
  } catch (err) {
    if (err instanceof CronError) throw new Error(`${JSON.stringify(expr)} ${WHAT}; ${err.message}`);
    throw err;
  }
  const month = list(s.months, FIELDS[3]);
  const time = `${list(s.hours, FIELDS[1])}:${list(s.minutes, FIELDS[0])}:00 UTC`;
  const weekdays = s.weekdays.map((d) => SYSTEMD_DAYS[d]).join(",");
  const anyWeekday = s.weekdays.length === 7;
  const onDays = `*-${month}-${list(s.days, FIELDS[2])} ${time}`;
  const onWeekdays = `${weekdays} *-${month}-* ${time}`;
  if (!s.daysStar && !s.weekdaysStar) return [onWeekdays, onDays];
  // One of them is `*`-based: cron requires both, as a single calendar spec does.
  return [anyWeekday ? onDays : `${weekdays} ${onDays}`];
}

/** A field's values in systemd's form: `*` when it matches every value, else an explicit list. */
function list(values: number[], field: FieldSpec): string {
  if (values.length === field.max - field.min + 1) return "*";
  return values.map((v) => String(v).padStart(2, "0")).join(",");
}

function parse(expr: string): Schedule {
  const trimmed = expr.trim();
  if (trimmed === "") throw new CronError("it is empty");
  if (trimmed.startsWith("@")) {
    const macro = trimmed.toLowerCase();
    if (macro === "@reboot") throw new CronError("@reboot is not supported: jobs run on a schedule, not at boot");
    const fields = MACROS[macro];
    if (!fields) throw new CronError(`${trimmed} is not one of them`);
    return parse(fields);
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) {
    const extra = parts.length > 5 ? " (seconds and years are not supported)" : "";
    throw new CronError(`found ${parts.length} field${parts.length === 1 ? "" : "s"}${extra}`);
  }
  const [minutes, hours, days, months, rawWeekdays] = parts.map((part, i) => parseField(part, FIELDS[i]));
  const weekdays = [...new Set(rawWeekdays.map((d) => d % 7))].sort((a, b) => a - b);
  const schedule: Schedule = {
    minutes,
    hours,
    days,
    months,
    weekdays,
    // As in Vixie cron and its descendants: a field written from `*` (also `*/2`) is not a
    // restriction for the OR rule.
    daysStar: parts[2].startsWith("*"),
    weekdaysStar: parts[4].startsWith("*"),
  };
  // Only day-of-month decides the day when day-of-week is `*`: a date no month has never comes.
  if (schedule.weekdaysStar && !months.some((m) => days.some((d) => d <= MONTH_DAYS[m - 1]))) {
    const monthNames = months.map((m) => MONTHS[m - 1]).join(",");
    throw new CronError(`day-of-month ${parts[2]} never occurs in ${monthNames}, so the job would never run`);
  }
  return schedule;
}

/** Values one field matches, sorted; throws CronError naming the field and the bad part. */
function parseField(text: string, field: FieldSpec): number[] {
  const where = `${field.name} ${text}`;
  if (/[#?]/.test(text)) throw new CronError(`${where}: L, W, # and ? are not supported`);
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") throw new CronError(`${where} has an empty list item`);
    const [range, stepText, ...rest] = item.split("/");
    const inItem = item === text ? "" : ` in ${item}`;
    if (rest.length > 0) throw new CronError(`${where}: ${item} has more than one step`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw new CronError(`${where}: the step${inItem} must be a number`);
      step = Number(stepText);
      if (step === 0) throw new CronError(`${where}: the step${inItem} must be at least 1`);
      // A step past the field's span matches its start alone: cron takes it, but it is a mistake.
      const span = field.max - field.min + 1;
      if (step >= span) throw new CronError(`${where}: the step${inItem} must be less than ${span}`);
    }
    let low: number;
    let high: number;
    if (range === "*") {
      [low, high] = [field.min, field.max];
    } else {
      const bounds = range.split("-");
      if (bounds.length > 2) throw new CronError(`${where}: ${range} is not a range such as 1-5`);
      low = value(bounds[0], field, where);
      // `a/n` runs from a to the field's end; for day-of-week that is Saturday (cronie's 7 would
      // add a Sunday nobody wrote).
      const end = field.names === DAYS ? 6 : field.max;
      high = bounds.length === 2 ? value(bounds[1], field, where) : stepText !== undefined ? Math.max(low, end) : low;
      if (high < low) throw new CronError(`${where}: the range${inItem} runs backwards`);
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** One number or name of a field. */
function value(text: string, field: FieldSpec, where: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < field.min || n > field.max) throw new CronError(`${field.name} ${text} is out of range ${field.min}-${field.max}`);
    return n;
  }
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (field.names === MONTHS ? 1 : 0);
  if (text === "") throw new CronError(`${where}: a range needs a number on each side`);
  if (/[LW]/i.test(text) && (field.name === "day-of-month" || field.name === "day-of-week")) {
    throw new CronError(`${where}: L, W, # and ? are not supported`);
  }
  throw new CronError(`${where}: ${text} is not a number${field.namesHint ? ` or ${field.namesHint}` : ""}`);
}

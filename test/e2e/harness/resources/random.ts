import { randomInt } from "crypto";
import { Inputs } from "../inputs";
import { replaceOnly } from "./types";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

/** random.RandomPassword / RandomString: real random values, kept in state like the provider. */
export const randomHandler = replaceOnly(async (resourceName, values) => {
  const i = new Inputs(`random ${resourceName}`, values);
  const length = i.require<number>("length");
  const special = i.take<boolean>("special") !== false;
  i.done();
  const alphabet = special ? ALPHANUMERIC + SPECIAL : ALPHANUMERIC;
  const result = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
  return { id: resourceName, outputs: { ...values, result } };
});

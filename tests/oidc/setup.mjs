// Run once by scripts/oidc-judge.sh before the tests: Globex's admin sets the password the
// tests sign in with, through the one-time link `gatehouse admin create` printed.
import { Browser, PASSWORD, setPassword } from "./lib.mjs";

await setPassword(new Browser(), process.env.SETUP_LINK, PASSWORD);

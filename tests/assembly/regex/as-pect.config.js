// Runs only the regex specs: `npx asp --config tests/assembly/regex/as-pect.config.js`
// (as-pect 8.1 has no file filter; its --disclude option is ignored because of a typo in the CLI).
import base from "../../../as-pect.config.js";

export default { ...base, entries: ["tests/assembly/regex/*.spec.ts"] };

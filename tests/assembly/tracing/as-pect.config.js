// Runs only the tracing specs: `npx asp --config tests/assembly/tracing/as-pect.config.js`
// (as-pect 8.1 has no file filter).
import base from "../../../as-pect.config.js";

export default { ...base, entries: ["tests/assembly/tracing/*.spec.ts"] };

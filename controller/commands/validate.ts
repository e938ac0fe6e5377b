// `validate --dir DIR`: reads the resources, translates them, prints every problem as
// `file:line: field: message` and exits 1 if there is any (unsupported ones included).
import { parseArgs } from "node:util";
import { readYamlDirectory } from "../resources/read.ts";
import { formatProblem } from "../resources/problem.ts";
import { translate } from "../translate/translate.ts";
import type { Command } from "./io.ts";

export const validateCommand: Command = {
  summary: "check MetaRouters, ApplicationProtocols, Services, ServiceEntries and DestinationRules",
  usage: "validate --dir DIR [--namespace NS]",
  async run(args, io) {
    const { values } = parseArgs({ args, options: { dir: { type: "string" }, namespace: { type: "string" } }, strict: true });
    if (!values.dir) {
      io.err(`usage: ${validateCommand.usage}`);
      return 2;
    }
    const translation = translate(readYamlDirectory(values.dir, { defaultNamespace: values.namespace }));
    const problems = translation.problems;
    for (const p of problems) io.out(formatProblem(p));
    if (problems.length > 0) {
      io.err(`${problems.length} problem${problems.length === 1 ? "" : "s"}`);
      return 1;
    }
    const ports = translation.plans.reduce((n, p) => n + p.ports.length, 0);
    io.out(`ok: ${translation.plans.length} MetaRouter${translation.plans.length === 1 ? "" : "s"}, ${ports} service port${ports === 1 ? "" : "s"}`);
    return 0;
  },
};

// The controller's command line: `node --import tsx controller/cli.ts <command> [options]`.
// Commands are a table: one entry per command, each in controller/commands/.
import { pathToFileURL } from "node:url";
import { processIO, type Command, type CommandIO } from "./commands/io.ts";
import { validateCommand } from "./commands/validate.ts";
import { generateCommand } from "./commands/generate.ts";
import { packCommand } from "./commands/pack.ts";
import { serveCommand } from "./commands/serve.ts";
import { statusCommand } from "./commands/status.ts";

export const commands: Record<string, Command> = {
  serve: serveCommand,
  generate: generateCommand,
  validate: validateCommand,
  pack: packCommand,
  status: statusCommand,
};

function help(io: CommandIO): void {
  io.err("usage: meta-protocol-controller <command> [options]\n\ncommands:");
  for (const c of Object.values(commands)) io.err(`  ${c.usage}\n      ${c.summary}`);
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    if (name !== undefined && name !== "help" && name !== "--help") io.err(`unknown command ${name}`);
    help(io);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    io.err(`${name}: ${(e as Error).message}`);
    return 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await runCli(process.argv.slice(2));
}

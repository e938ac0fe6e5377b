// Problems found in the plugin configuration, each naming the field (a JSON path such as
// `metaProtocolFilters[1].config.domain`), so that the log line Envoy shows says what to fix.
export class ConfigErrors {
  readonly messages: string[] = [];

  add(field: string, problem: string): void {
    this.messages.push(field + ": " + problem);
  }

  get isEmpty(): bool {
    return this.messages.length == 0;
  }

  toString(): string {
    return this.messages.join("; ");
  }
}

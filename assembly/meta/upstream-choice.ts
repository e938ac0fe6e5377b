// The connection's binding to an upstream cluster: stock Envoy gives a network filter one upstream
// per downstream connection (tcp_proxy), so the first choice binds it and later ones are refused,
// whatever the reads look like (later requests never touch Envoy's filter state).
import { UpstreamChoice } from "./filter";
import { ConnectionPort } from "./ports";

export class ConnectionUpstreamChoice extends UpstreamChoice {
  private bound: string = "";
  private isStarted: bool = false;

  constructor(private port: ConnectionPort) {
    super();
  }

  chooseCluster(name: string): bool {
    if (this.isStarted || this.bound.length > 0 || name.length == 0) return false;
    if (!this.port.chooseCluster(name)) return false;
    this.bound = name;
    return true;
  }

  /** tcp_proxy starts now: a cluster not chosen by then is tcp_proxy's own. */
  upstreamStarts(): void {
    this.isStarted = true;
  }

  get started(): bool {
    return this.isStarted;
  }

  get boundCluster(): string {
    return this.bound;
  }
}

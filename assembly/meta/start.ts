// Makes the MetaProtocol root context answer `rootId` ("" for any: Istio sets the root id to the
// WasmPlugin's name). A module entry calls it once, after registering its codecs and filters.
import { registerRootContext } from "../abi/dispatcher";
import { MetaProtocolRoot } from "./root";

export function startMetaProtocol(rootId: string = ""): void {
  registerRootContext((id: u32) => new MetaProtocolRoot(id), rootId);
}

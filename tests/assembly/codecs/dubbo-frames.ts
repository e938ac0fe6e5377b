// Builds Dubbo test frames byte by byte, independent of the codec's own writer.

export class Bytes {
  data: u8[] = [];
  u8(b: i32): Bytes {
    this.data.push(<u8>b);
    return this;
  }
  u32(v: u32): Bytes {
    return this.u8(v >> 24).u8((v >> 16) & 0xff).u8((v >> 8) & 0xff).u8(v & 0xff);
  }
  ascii(s: string): Bytes {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }
  /** A hessian string of ASCII text in its compact form (0x00-0x1f) or the 0x30 form. */
  str(s: string): Bytes {
    if (s.length <= 31) this.u8(s.length);
    else this.u8(0x30 + (s.length >> 8)).u8(s.length & 0xff);
    return this.ascii(s);
  }
  append(other: Uint8Array): Bytes {
    for (let i = 0; i < other.length; i++) this.data.push(other[i]);
    return this;
  }
  toArray(): Uint8Array {
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < this.data.length; i++) out[i] = this.data[i];
    return out;
  }
}

/** The 16-byte header followed by `body`. */
export function frame(flags: i32, status: i32, id: u64, body: Uint8Array): Uint8Array {
  return new Bytes()
    .u8(0xda).u8(0xbb) // magic
    .u8(flags) // request/two-way/event bits | serialization id
    .u8(status) // response status (0 in requests)
    .u32(<u32>(id >> 32)).u32(<u32>id) // request id
    .u32(body.length) // body length
    .append(body)
    .toArray();
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export const SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";

/** A sayHello(String) request body: head strings, one argument, attachments with a group. */
export function sayHelloBody(dubboVersion: string, serviceVersion: string, argument: string): Uint8Array {
  return new Bytes()
    .str(dubboVersion) // dubbo version
    .str(SERVICE) // service path (0x30 form: 46 chars)
    .str(serviceVersion) // service version ("" when none)
    .str("sayHello") // method name
    .str("Ljava/lang/String;") // parameter types
    .str(argument) // the one argument
    .u8(0x48) // 'H' attachments: untyped map
    .str("path").str(SERVICE)
    .str("group").str("blue")
    .str("timeout").u8(0xd4).u8(0x0b).u8(0xb8) // an int value (3000, 3-byte int form)
    .u8(0x5a) // 'Z' end of map
    .toArray();
}

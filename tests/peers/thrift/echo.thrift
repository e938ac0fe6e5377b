// The service the Thrift peers speak (generated at run time with Debian's thrift-compiler 0.17:
// `thrift --gen js:node,es6`).
namespace js echo

exception EchoError {
  1: string message
}

service Echo {
  string hello(1: string name),
  binary echo(1: binary data),
  binary payload(1: i32 size),
  oneway void notify(1: string note),
  string fail(1: string message) throws (1: EchoError error),
  i32 notified(),
}

// What a served module may need from the glue. In the package everything is on. A bundler that
// knows the module replaces this file with the module's own answers, read from its imports
// (`features(wasm)` in build.mjs; scripts/bundle.mjs and `tinyworker-build` do it), so that
// glue the module can never reach is left out of what ships, as wasm-bindgen generates glue
// per module. A wrong answer cannot go unnoticed: the module's imports would not link.
// The module imports env.__tw_request: it reads request parts on demand.
export const REQUEST_PARTS = true;
// The module imports env.__cpp_exception: it can panic or abort, and reports both through
// the fault record.
export const FAULT_RECORDS = true;
// The module imports functions other than the glue's own (RuntimeOptions.imports): they may
// throw a JS exception into it, or call back into it (which the call guard refuses).
export const HOST_IMPORTS = true;
// The module imports env.__tw_env: it reads text variables and secrets of the Worker's env.
export const ENV_VARS = true;
// The module imports env.__tw_log: it logs lines (platform::log, a handler's error).
export const LOG = true;
// The module imports env.__tw_storage: it is a Durable Object that uses its storage.
export const STORAGE = true;
// The module imports env.__tw_call and env.__tw_value: it calls bindings, globals, held values
// and host functions through the bridge (subrequests too); in a Worker a call that answers a
// Promise suspends the module (JSPI), so it is served by a pool of instances.
export const BRIDGE = true;
// The module exports an event handler (`scheduled!`, `queue_consumer!`, a Durable Object class's
// alarm or WebSocket handlers): the glue serves those events (they need the bridge).
export const EVENTS = true;
// The module consumes a queue a batch at a time (`queue_consumer!`: it exports __tw_queue), or
// a message at a time (`queue_message!`: __tw_queue_message); each brings its own wrapper.
export const QUEUE_BATCH = true;
export const QUEUE_MESSAGE = true;
// The module exports the handlers of a Worker's own WebSockets (`web_socket!`): the glue
// listens to each socket the handler accepts.
export const WEB_SOCKETS = true;
// The module exports an email handler (`email!`).
export const EMAIL = true;
// The module exports a tail handler (`tail!`).
export const TAIL = true;
// The module exports a Workflow class (`workflow!`).
export const WORKFLOWS = true;
// The module exports RPC methods (`rpc!`): an entrypoint's or a Durable Object class's.
export const RPC = true;
// The module exports a start hook (`start!`): each instance runs it once, inside its first call.
export const START = true;
// The module is metered (`tinyworker/meter`, `tinyworker-build --fuel`): it exports __tw_fuel,
// and a trap while that is 0 is told as the call running out of fuel.
export const FUEL = true;
// A Durable Object class of the module has a restore hook (`durable_object!(.., restore: ..)`:
// it exports __tw_restore or __tw_restore_<Class>).
export const RESTORE = true;
// A Durable Object class of the module has an alarm handler (__tw_alarm[_<Class>]) or
// hibernating WebSocket handlers (__tw_socket_*): the object's events.
export const OBJECT_EVENTS = true;
// The module serves a Durable Object (it imports env.__tw_storage, or exports a class's
// `__tw_fetch_<Class>` or the marker `__tw_object`): the glue has the object's paths. (Every
// object's module is one, so where this is false an options.storage is never looked at: the
// glue of a Worker's module reads it nowhere.)
export const OBJECTS = true;
// The module names a class (a Durable Object's, `durable_object!(class Name { ... })`, or an
// RPC entrypoint's, `rpc!(class Name { ... })`): its exports are `<export>_<Name>`, and
// `createDurableObject(wasm, { className })` or `createEntrypoint` picks one.
export const CLASSES = true;

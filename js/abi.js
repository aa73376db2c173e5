// The JavaScript half of tinyworker's host ABI (docs/ABI.md; the Rust half is
// runtime/src/abi.rs, and a host test checks that both use the same numbers).
export const ABI_VERSION = 9;
// The module header (`__tw_abi`): version, flags, io, io_capacity, fault, response.
export const MODULE_HEADER_WORDS = 6;
export const FLAG_UNWIND = 1;
// What `__tw_fetch(body_len)` returns.
export const OUTCOME_RESPONSE = 0;
export const OUTCOME_FAULT = 1;
// What an event export returns beside those: the handler returned an error (the instance is kept).
export const OUTCOME_FAILED = 2;
// The levels of `__tw_log(level, status, needed, flags, text, len, context, context_len)`:
// console.debug, info, warn, error.
export const LOG_DEBUG = 0;
export const LOG_INFO = 1;
export const LOG_WARN = 2;
export const LOG_ERROR = 3;
// Its flags: append ` (<needed> bytes needed)`; append `: <the bridge's last error>`.
export const LOG_NEEDED = 1;
export const LOG_CAUSE = 2;
// The parts `__tw_request(part, dst, room)` serves.
export const PART_METHOD = 0;
export const PART_URL = 1;
export const PART_HEADERS = 2;
// The fault record: kind, message, message_len, file, file_len, line, column.
export const FAULT_WORDS = 7;
export const FAULT_PANIC = 1;
export const FAULT_ABORT = 2;
export const FAULT_TOO_LARGE = 3;
// The response record: status, headers, header_count, extra, extra_count, body, body_len.
export const RESPONSE_WORDS = 7;
// A header record: name, name_len, value, value_len.
export const HEADER_RECORD_BYTES = 16;
// A flag in the record's header count: the fixed headers are immutable statics (kept decoded).
export const HEADERS_STATIC = 2147483648;
// `__tw_env` and `__tw_result`: not there.
export const ABSENT = -1;
// What a negative answer of `__tw_storage` or `__tw_call` means (-3 and the ops 1-4 belonged
// to `__tw_io`, gone in v8: subrequests go through the bridge).
export const IO_FAILED = -2;
export const IO_NO_BINDING = -4;
// A TypeError or RangeError of the host: an argument it refused (a KV key, a body on a GET).
export const IO_INVALID_ARGUMENT = -5;
// `__tw_result(handle, part, dst, room)`: the parts of a result.
export const RESULT_STATUS = 0;
export const RESULT_HEADERS = 1;
export const RESULT_BODY = 2;
// `__tw_storage(op, record)`, synchronous: a Durable Object's storage (ctx.storage.kv). A get's
// result status is the value's kind (VALUE_*), its body the value in that kind's form; a list's
// result body is its entries in key order: key length (u32 LE), key, kind, value length, value.
export const STORAGE_GET = 5;
export const STORAGE_PUT = 6;
export const STORAGE_DELETE = 7;
export const STORAGE_LIST = 8;
// The kinds of a stored value, and the form of each in a result body: bytes as they are, a
// string as UTF-8, a number as its f64 (8 bytes LE), a BigInt as decimal digits, a boolean as
// one byte, null as nothing, a plain object or array JSON represents exactly as JSON text,
// anything else as its type's name.
export const VALUE_BYTES = 0;
export const VALUE_TEXT = 1;
export const VALUE_NUMBER = 2;
export const VALUE_BIGINT = 3;
export const VALUE_BOOLEAN = 4;
export const VALUE_NULL = 5;
export const VALUE_JSON = 6;
export const VALUE_OTHER = 7;
// Names: the import module, the module's exports, and the imports it may ask of `env`.
export const IMPORT_MODULE = "env";
export const EXPORT_HEADER = "__tw_abi";
export const EXPORT_FETCH = "__tw_fetch";
export const EXPORT_STACK_POINTER = "__stack_pointer";
// The word workerd writes 1 to when it killed the isolate's execution (docs/ABI.md, "Signals").
export const EXPORT_TERMINATED = "__instance_terminated";
// The body length of a warm-up call of `__tw_fetch` (u32::MAX, as an i32): refused before the
// handler runs (docs/ABI.md, "A warm-up call").
export const WARM_UP = -1;
export const EXPORT_RESTORE = "__tw_restore";
export const EXPORT_ALLOC_STATS = "__tw_alloc_stats";
// The event exports (docs/ABI.md, "Events"); a Durable Object class named in
// `durable_object!(class Name ...)` exports each of its entries as `<export>_<Name>`.
export const EXPORT_SCHEDULED = "__tw_scheduled";
export const EXPORT_QUEUE = "__tw_queue";
export const EXPORT_QUEUE_MESSAGE = "__tw_queue_message";
export const EXPORT_ALARM = "__tw_alarm";
export const EXPORT_SOCKET_MESSAGE = "__tw_socket_message";
export const EXPORT_SOCKET_CLOSE = "__tw_socket_close";
export const EXPORT_SOCKET_ERROR = "__tw_socket_error";
// A Worker's own WebSockets (`web_socket!`), and an RPC method (`rpc!`): `__tw_rpc_<method>`,
// then the class's `_<Name>`.
export const EXPORT_WS_MESSAGE = "__tw_ws_message";
export const EXPORT_WS_CLOSE = "__tw_ws_close";
export const EXPORT_WS_ERROR = "__tw_ws_error";
export const EXPORT_RPC = "__tw_rpc_";
// An email arrived (`email!`); traces of the Workers this one tails arrived (`tail!`).
export const EXPORT_EMAIL = "__tw_email";
export const EXPORT_TAIL = "__tw_tail";
// A Workflow class's run (`workflow!`): `__tw_workflow_<Name>`; its steps are RPC methods.
export const EXPORT_WORKFLOW = "__tw_workflow";
// The start hook (`start!`): once per instance, before its first request or event (an outcome).
export const EXPORT_START = "__tw_start";
// A metered module's fuel (`tinyworker/meter`): a mutable i32 global, the loop iterations the
// call in flight may still run; a trap while it is 0 is the call running out of fuel.
export const EXPORT_FUEL = "__tw_fuel";
export const IMPORT_TAG = "__cpp_exception";
export const IMPORT_REQUEST = "__tw_request";
export const IMPORT_ENV = "__tw_env";
export const IMPORT_LOG = "__tw_log";
export const IMPORT_RESULT = "__tw_result";
export const IMPORT_STORAGE = "__tw_storage";
// Word offsets in the module header.
export const HEADER_VERSION = 0;
export const HEADER_FLAGS = 1;
export const HEADER_IO = 2;
export const HEADER_CAPACITY = 3;
export const HEADER_FAULT = 4;
export const HEADER_RESPONSE = 5;
// Word offsets in the response record; a header record is HEADER_RECORD_WORDS words (name,
// name length, value, value length).
export const RESPONSE_STATUS = 0;
export const RESPONSE_HEADERS = 1;
export const RESPONSE_EXTRA = 3;
export const RESPONSE_BODY = 5;
export const RESPONSE_BODY_LEN = 6;
export const HEADER_RECORD_WORDS = 4;
// The `__tw_storage` record: five (address, length) pairs.
export const IO_RECORD_WORDS = 10;
// The host bridge (docs/ABI.md, "The host bridge"). `__tw_call(record)`: the record is
// CALL_RECORD_WORDS words: target kind, handle, name (address, length), member (address,
// length), args (address, count), flags, then the answer's read: dst and room (CALL_DST,
// CALL_ROOM: with CALL_READ, where its bytes go), kind and len (CALL_KIND, CALL_LEN: written by
// the glue). Each argument is ARG_BYTES_SIZE bytes: tag, length, 8 bytes of data (an f64, an
// i64, a handle or an address).
export const IMPORT_CALL = "__tw_call";
export const IMPORT_WAIT = "__tw_wait";
export const IMPORT_VALUE = "__tw_value";
export const CALL_RECORD_WORDS = 13;
export const CALL_DST = 9;
export const CALL_ROOM = 10;
export const CALL_KIND = 11;
export const CALL_LEN = 12;
export const ARG_BYTES_SIZE = 16;
export const CALL_ENV = 0;
export const CALL_GLOBAL = 1;
export const CALL_VALUE = 2;
export const CALL_HOST = 3;
export const CALL_REQUEST = 4;
export const CALL_EVENT = 5;
export const CALL_CONTEXT = 6;
export const CALL_GET = 1;
export const CALL_NEW = 2;
export const CALL_DETACHED = 4;
export const CALL_SET = 8;
export const CALL_PROMISE = 16;
export const CALL_READ = 32;
export const ARG_UNDEFINED = 0;
export const ARG_NULL = 1;
export const ARG_FALSE = 2;
export const ARG_TRUE = 3;
export const ARG_NUMBER = 4;
export const ARG_STRING = 5;
export const ARG_BYTES = 6;
export const ARG_VALUE = 7;
export const ARG_JSON = 8;
export const ARG_ARRAY = 9;
export const ARG_OBJECT = 10;
export const ARG_BIGINT = 11;
// `__tw_value(handle, op, dst, room)`: what to read of a held value.
export const READ_KIND = 0;
export const READ_BYTES = 1;
export const READ_NUMBER = 2;
export const READ_JSON = 3;
export const READ_LENGTH = 4;
export const READ_DROP = 5;
// The kinds READ_KIND answers.
export const JS_UNDEFINED = 0;
export const JS_NULL = 1;
export const JS_BOOLEAN = 2;
export const JS_NUMBER = 3;
export const JS_BIGINT = 4;
export const JS_STRING = 5;
export const JS_BYTES = 6;
export const JS_ARRAY = 7;
export const JS_OBJECT = 8;
export const JS_FUNCTION = 9;
// Bridge errors (beside IO_FAILED, IO_NO_BINDING: no such target, IO_INVALID_ARGUMENT).
export const BRIDGE_NO_METHOD = -6;
export const BRIDGE_WOULD_SUSPEND = -7;
export const BRIDGE_WRONG_TYPE = -8;
export const BRIDGE_NO_VALUE = -9;
export const BRIDGE_PENDING = -10;
// The handle of the request's last bridge error (READ_BYTES: its message).
export const ERROR_HANDLE = -1;

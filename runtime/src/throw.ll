; tw_throw(record): throw the C++ exception tag (tag index 0 of llvm.wasm.throw is
; `__cpp_exception`) with the fault record's address. wasm-ld leaves the tag undefined,
; so the module imports it as (import "env" "__cpp_exception" (tag (param i32))).
target triple = "wasm32-unknown-unknown"

declare void @llvm.wasm.throw(i32, ptr)

define void @tw_throw(ptr %record) {
  call void @llvm.wasm.throw(i32 0, ptr %record)
  unreachable
}

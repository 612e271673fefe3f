//! Helpers shared by the wasm-bindgen-test suites that check exact JS outcomes (`wasm_bad_input`, `wasm_models`):
//! build a JS value from a JS expression, read a thrown `Error`'s message.
#![allow(dead_code, clippy::expect_used)]

use wasm_bindgen::{JsError, JsValue};

/// A JS value from a JS expression (so rows can pass NaN, Infinity, functions, Uint8Arrays…).
pub fn js(expr: &str) -> JsValue {
    js_sys::Function::new_no_args(&format!("return ({expr});"))
        .call0(&JsValue::NULL)
        .expect("test expression")
}

/// The `message` of the JS `Error` a binding threw.
pub fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    String::from(js_sys::Error::from(v).message())
}

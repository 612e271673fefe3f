//! Checks shared by the Node (`tests/node.rs`) and browser (`tests/web.rs`) suites.
#![allow(dead_code, clippy::unwrap_used)]

use alsobuy::wasm::similarity::cosine;

pub fn cosine_crosses_the_boundary() {
    let s = cosine(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap();
    assert!((s - 1.0).abs() < 1e-6, "got {s}");
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]).unwrap(), 0.0);
}

pub fn bad_input_throws_an_error_naming_the_problem() {
    let err = cosine(&[1.0], &[1.0, 2.0]).unwrap_err();
    let value: wasm_bindgen::JsValue = err.into();
    let err: js_sys::Error = value.into();
    let msg = String::from(err.message());
    assert!(msg.contains("dimension mismatch"), "{msg}");
    assert!(msg.contains("length 2"), "{msg}");
}

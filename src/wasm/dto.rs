//! The JS-facing data types. TypeScript definitions are generated from these by tsify; fields are camelCase.
//!
//! Values come in through [`from_js`], a small serde deserializer over the JS value that reads every primitive
//! itself (js-sys getters) and keeps the path to the value being read, so a wrong JS type is an error that names
//! the field path and the value found (`field "cart[2]": expected a string, got number 7`), never a panic.
//! Results go out through [`to_js`] (serde-wasm-bindgen's serializer). Fields a type does not know are ignored,
//! so a shop can pass its own product objects as catalogue items.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

/// Reads a JS value into `T`; the error names `what`, the field path and the JS type and value found:
/// `alsobuy: invalid event: field "item": expected a string, got number 5`.
pub fn from_js<T: DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsError> {
    from_js_detail(value).map_err(|detail| invalid(what, &detail))
}

/// The `Error` thrown for a value that could not be read (not generic, cold: one copy).
#[cold]
#[inline(never)]
fn invalid(what: &str, detail: &str) -> JsError {
    JsError::new(&format!("alsobuy: invalid {what}: {detail}"))
}

/// [`from_js`] with the bare description of what is wrong (no `alsobuy: invalid …:` prefix), for callers
/// that report several values (`recordMany`'s `events[3]: …`).
pub fn from_js_detail<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    let path = Path::default();
    T::deserialize(Tracked {
        value: value.clone(),
        path: &path,
    })
    .map_err(|e| explain(e, &value, &path.into_inner()))
}

/// The message for `e`, met reading the value at `path` in `root`: one copy for every DTO type (cold).
#[cold]
#[inline(never)]
fn explain(e: DtoError, root: &JsValue, path: &[Segment]) -> String {
    let what = match e {
        // A wrong JS type (or an integer out of range): say what was expected and what came.
        DtoError::Expected(expected) => format!(
            "expected {}, got {}",
            plain_expected(&expected),
            describe(&value_at(root, path))
        ),
        DtoError::Message(message) => message,
    };
    let path = render(path);
    if path == "." {
        what
    } else {
        format!("field {path:?}: {what}")
    }
}

/// Why a JS value could not be read, before the path is added. Only the expected type is kept for a wrong
/// type or value: [`from_js_detail`] describes what was found from the JS value itself, so serde's
/// `Unexpected` (whose `Display` would link core's float formatting into the download) is never printed.
#[derive(Debug)]
pub enum DtoError {
    /// A wrong JS type or an out-of-range value; serde's name of the type expected (`u32`, `a string`, …).
    Expected(String),
    /// Anything else, as serde words it (`missing field \`kind\``, `unknown variant …`).
    Message(String),
}

impl fmt::Display for DtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DtoError::Expected(e) => write!(f, "expected {e}"),
            DtoError::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DtoError {}

impl de::Error for DtoError {
    #[cold]
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DtoError::Message(msg.to_string())
    }

    #[cold]
    fn invalid_type(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        DtoError::Expected(expected.to_string())
    }

    #[cold]
    fn invalid_value(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        DtoError::Expected(expected.to_string())
    }
}

/// One step of the path to the value being read: an object's field or an array's element.
enum Segment {
    Field(&'static str),
    Index(u32),
}

/// The path from the root value to the one being read; left pointing at the bad value when reading fails.
type Path = RefCell<Vec<Segment>>;

/// The path as `cart[1]`, `[0].id`, `limits.maxK`, or `.` for the root (serde_path_to_error's notation).
fn render(path: &[Segment]) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let mut out = String::new();
    for seg in path {
        match seg {
            Segment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            Segment::Field(f) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(f);
            }
        }
    }
    out
}

/// The JS value at `path`, `undefined` where the path does not lead.
fn value_at(root: &JsValue, path: &[Segment]) -> JsValue {
    let mut v = root.clone();
    for seg in path {
        v = match seg {
            // An iterable that is not an array (a `Set`) was read in iteration order.
            Segment::Index(i) if !js_sys::Array::is_array(&v) => js_sys::try_iter(&v)
                .ok()
                .flatten()
                .and_then(|mut values| values.nth(*i as usize))
                .and_then(Result::ok)
                .unwrap_or(JsValue::UNDEFINED),
            Segment::Index(i) => {
                js_sys::Reflect::get(&v, &JsValue::from(*i)).unwrap_or(JsValue::UNDEFINED)
            }
            Segment::Field(f) => {
                js_sys::Reflect::get(&v, &JsValue::from_str(f)).unwrap_or(JsValue::UNDEFINED)
            }
        };
    }
    v
}

/// The deserializer over one JS value, keeping the path to it in `path`. It reads the JS value the way
/// serde-wasm-bindgen's deserializer does (`null`/`undefined` are absent options; integers must be safe
/// integers; bytes come from a `Uint8Array` or `ArrayBuffer`; any iterable is a sequence; enums are their
/// variant's name), with its own error type ([`DtoError`]).
struct Tracked<'p> {
    value: JsValue,
    path: &'p Path,
}

/// An "invalid type" error for a value read as `expected`: one copy for every type read.
#[cold]
fn invalid_type(expected: &dyn de::Expected) -> DtoError {
    DtoError::Expected(expected.to_string())
}

/// The JS number `v` as an integer when it is a safe one (|v| ≤ 2^53 − 1 and whole), as `Number.isSafeInteger`.
fn safe_integer(v: &JsValue) -> Option<i64> {
    let n = v.as_f64()?;
    (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0).then_some(n as i64)
}

/// The bytes of a `Uint8Array` or `ArrayBuffer`.
fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    if let Some(a) = v.dyn_ref::<js_sys::Uint8Array>() {
        Some(a.to_vec())
    } else {
        v.dyn_ref::<js_sys::ArrayBuffer>()
            .map(|b| js_sys::Uint8Array::new(b).to_vec())
    }
}

/// A JS exception thrown while reading (a throwing iterator or getter).
#[cold]
fn threw(_: JsValue) -> DtoError {
    DtoError::Message("reading the value threw an exception".into())
}

impl<'p> Tracked<'p> {
    fn seq<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        match self.value.dyn_into::<js_sys::Array>() {
            Ok(array) => visitor.visit_seq(Elements {
                len: array.length(),
                array,
                next: 0,
                path: self.path,
            }),
            // A primitive is no sequence (and `Symbol.iterator in` would throw on it, even on a string).
            Err(value) if !value.is_object() => Err(invalid_type(&visitor)),
            // Another iterable (a Set…) is read in iteration order.
            Err(value) => match js_sys::try_iter(&value).map_err(threw)? {
                Some(iter) => visitor.visit_seq(Iterated {
                    iter,
                    next: 0,
                    path: self.path,
                }),
                None => Err(invalid_type(&visitor)),
            },
        }
    }

    fn signed<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        match safe_integer(&self.value) {
            Some(v) => visitor.visit_i64(v),
            None => Err(invalid_type(&visitor)),
        }
    }

    fn unsigned<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        match safe_integer(&self.value) {
            Some(v) if v >= 0 => visitor.visit_u64(v as u64),
            _ => Err(invalid_type(&visitor)),
        }
    }
}

macro_rules! forward {
    ($($method:ident => $to:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
            self.$to(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Tracked<'_> {
    type Error = DtoError;

    forward!(deserialize_i8 => signed deserialize_i16 => signed deserialize_i32 => signed
        deserialize_u8 => unsigned deserialize_u16 => unsigned
        deserialize_u32 => unsigned deserialize_f32 => deserialize_f64
        deserialize_str => deserialize_string deserialize_identifier => deserialize_string
        deserialize_bytes => deserialize_byte_buf deserialize_seq => seq);

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        if self.value.loose_eq(&JsValue::NULL) {
            visitor.visit_unit()
        } else if let Some(b) = self.value.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(i) = safe_integer(&self.value) {
            visitor.visit_i64(i)
        } else if let Some(n) = self.value.as_f64() {
            visitor.visit_f64(n)
        } else if let Some(s) = self.value.as_string() {
            visitor.visit_string(s)
        } else if js_sys::Array::is_array(&self.value) {
            self.seq(visitor)
        } else if let Some(bytes) = bytes_of(&self.value) {
            visitor.visit_byte_buf(bytes)
        } else {
            Err(invalid_type(&visitor))
        }
    }

    /// A safe-integer number, or a `BigInt` in range (as serde-wasm-bindgen reads 64-bit integers).
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        if self.value.is_bigint() {
            match i64::try_from(self.value) {
                Ok(v) => visitor.visit_i64(v),
                Err(_) => Err(invalid_type(&visitor)),
            }
        } else {
            self.signed(visitor)
        }
    }

    /// A safe-integer number ≥ 0, or a `BigInt` in range (as serde-wasm-bindgen reads 64-bit integers).
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        if self.value.is_bigint() {
            match u64::try_from(self.value) {
                Ok(v) => visitor.visit_u64(v),
                Err(_) => Err(invalid_type(&visitor)),
            }
        } else {
            self.unsigned(visitor)
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        Err(invalid_type(&visitor))
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        Err(invalid_type(&visitor))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        match self.value.as_bool() {
            Some(b) => visitor.visit_bool(b),
            None => Err(invalid_type(&visitor)),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        match self.value.as_f64() {
            Some(n) => visitor.visit_f64(n),
            None => Err(invalid_type(&visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        let s = self.value.as_string().unwrap_or_default();
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(invalid_type(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        match self.value.as_string() {
            Some(s) => visitor.visit_string(s),
            None => Err(invalid_type(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        if let Some(bytes) = bytes_of(&self.value) {
            visitor.visit_byte_buf(bytes)
        } else if js_sys::Array::is_array(&self.value) {
            self.seq(visitor)
        } else {
            Err(invalid_type(&visitor))
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        if self.value.loose_eq(&JsValue::NULL) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        if self.value.loose_eq(&JsValue::NULL) {
            visitor.visit_unit()
        } else {
            Err(invalid_type(&visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DtoError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DtoError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DtoError> {
        self.seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DtoError> {
        self.seq(visitor)
    }

    /// No DTO has a map field: a map is read only as the fields its visitor asks for, i.e. not at all.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        Err(invalid_type(&visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DtoError> {
        if self.value.is_object() {
            visitor.visit_map(Fields {
                object: self.value,
                fields: fields.iter(),
                next: None,
                path: self.path,
            })
        } else {
            Err(invalid_type(&visitor))
        }
    }

    /// An enum is the name of a unit variant (the DTOs have no other kind).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DtoError> {
        match self.value.as_string() {
            Some(name) => visitor.visit_enum(name.into_deserializer()),
            None => Err(invalid_type(&visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DtoError> {
        visitor.visit_unit()
    }
}

/// A JS iterable's values that is not an array, each read with its index on the path.
struct Iterated<'p> {
    iter: js_sys::IntoIter,
    next: u32,
    path: &'p Path,
}

impl<'de> de::SeqAccess<'de> for Iterated<'_> {
    type Error = DtoError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        let Some(value) = self.iter.next().transpose().map_err(threw)? else {
            return Ok(None);
        };
        self.path.borrow_mut().push(Segment::Index(self.next));
        self.next += 1;
        let v = seed.deserialize(Tracked {
            value,
            path: self.path,
        })?;
        self.path.borrow_mut().pop();
        Ok(Some(v))
    }
}

/// A JS array's elements, each read with its index on the path.
struct Elements<'p> {
    array: js_sys::Array,
    len: u32,
    next: u32,
    path: &'p Path,
}

impl<'de> de::SeqAccess<'de> for Elements<'_> {
    type Error = DtoError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        if self.next >= self.len {
            return Ok(None);
        }
        let index = self.next;
        self.next += 1;
        self.path.borrow_mut().push(Segment::Index(index));
        let v = seed.deserialize(Tracked {
            value: self.array.get(index),
            path: self.path,
        })?;
        self.path.borrow_mut().pop();
        Ok(Some(v))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.next) as usize)
    }
}

/// Runs `f` with the JS string of a struct's field name, made once per name and thread and kept: creating a
/// JS string from UTF-8 for every field of every event made `recordMany` ~40% slower (W5 324k → 203k events/s).
/// Field names are `&'static str`s from serde's derive, so the cache holds one entry per field name in the crate.
fn with_key<R>(field: &'static str, f: impl FnOnce(&JsValue) -> R) -> R {
    thread_local! {
        static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        // Found by pointer (the same literal): a few dozen names in all. A new literal reuses the JS string of an
        // equal name if there is one, and is then found by its own pointer.
        let at = keys.iter().position(|(k, _)| std::ptr::eq(*k, field));
        let at = at.unwrap_or_else(|| {
            let js = keys
                .iter()
                .find(|(k, _)| *k == field)
                .map_or_else(|| JsValue::from_str(field), |(_, v)| v.clone());
            keys.push((field, js));
            keys.len() - 1
        });
        f(&keys[at].1)
    })
}

/// A JS object's values of a struct's fields (fields the object lacks are skipped, others ignored), each
/// read with its name on the path.
struct Fields<'p> {
    object: JsValue,
    fields: std::slice::Iter<'static, &'static str>,
    next: Option<(&'static str, JsValue)>,
    path: &'p Path,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = DtoError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        for &field in &mut self.fields {
            let value = with_key(field, |key| {
                let value = js_sys::Reflect::get(&self.object, key).unwrap_or(JsValue::UNDEFINED);
                // `undefined` may be a missing field: only a present one is read.
                let present = !value.is_undefined()
                    || js_sys::Reflect::has(&self.object, key).unwrap_or(false);
                present.then_some(value)
            });
            if let Some(value) = value {
                self.next = Some((field, value));
                return seed.deserialize(field.into_deserializer()).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let (field, value) = self.next.take().unwrap_or(("?", JsValue::UNDEFINED));
        self.path.borrow_mut().push(Segment::Field(field));
        let v = seed.deserialize(Tracked {
            value,
            path: self.path,
        })?;
        self.path.borrow_mut().pop();
        Ok(v)
    }
}

/// A short description of a JS value for an error: `number 5`, `string "5"`, `null`, `an array`…
pub fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".into()
    } else if v.is_null() {
        "null".into()
    } else if let Some(b) = v.as_bool() {
        format!("boolean {b}")
    } else if let Some(n) = v.as_f64() {
        format!("number {}", crate::num::F64(n))
    } else if let Some(s) = v.as_string() {
        format!("string {:?}", crate::ids::shorten(&s))
    } else if v.is_bigint() {
        "a bigint".into()
    } else if js_sys::Array::is_array(v) {
        format!("an array of length {}", js_sys::Array::from(v).length())
    } else if v.is_function() {
        "a function".into()
    } else if v.is_instance_of::<js_sys::Uint8Array>() {
        "a Uint8Array".into()
    } else if v.is_object() {
        "an object".into()
    } else {
        format!("{:?}", v.js_typeof().as_string().unwrap_or_default())
    }
}

/// serde's names for expected types, in JS terms.
fn plain_expected(expected: &str) -> String {
    let e = expected.trim();
    if e.starts_with("struct ") || e == "a map" {
        "an object".into()
    } else if e == "a sequence" {
        "an array".into()
    } else if matches!(e, "f64" | "f32") {
        "a number".into()
    } else if matches!(e, "u8" | "u16" | "u32" | "u64" | "usize") {
        "a whole number >= 0".into()
    } else if e.contains("byte array") || e == "byte buf" {
        "a Uint8Array".into()
    } else if e == "a string" || e == "a boolean" {
        e.into()
    } else if let Some(rest) = e.strip_prefix("enum ") {
        format!("one of the {rest} names (a string)")
    } else {
        e.into()
    }
}

/// Writes `T` as a plain JS value (objects, not Maps; absent options left out).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&ser).map_err(unconvertible)
}

/// The `Error` thrown when a result cannot be written as a JS value (not generic, cold: one copy).
#[cold]
#[inline(never)]
fn unconvertible(e: serde_wasm_bindgen::Error) -> JsError {
    JsError::new(&format!("alsobuy: cannot convert a result to JS: {e}"))
}

/// A product in the shop's catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CatalogItem {
    /// Unique id, 1..256 bytes, no control characters.
    pub id: String,
    /// Display name (defaults to the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub name: Option<String>,
    /// Category path, general to specific, separated by `/` (`"dairy/milk"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub category: Option<String>,
    /// Brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub brand: Option<String>,
    /// Price, finite and ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub price: Option<f64>,
    /// Whether it can be bought now (default true). Out-of-stock items are never suggested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub in_stock: Option<bool>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub tags: Vec<String>,
}

/// What the shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Looked at a product.
    View,
    /// Put a product in the cart.
    Cart,
    /// Took a product out of the cart.
    RemoveFromCart,
    /// Bought a product.
    Purchase,
    /// Searched (`query` carries the text).
    Search,
    /// A suggestion was shown.
    Impression,
    /// A suggestion was clicked.
    Click,
}

/// One behaviour event as the page reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ShopEvent {
    /// What happened.
    pub kind: EventKind,
    /// The product (required for every kind but `search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub item: Option<String>,
    /// The search text (required for `search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub query: Option<String>,
    /// The session (default: one per `Recommender` instance, i.e. per page load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub session: Option<String>,
    /// Milliseconds since the Unix epoch (default `Date.now()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub timestamp: Option<f64>,
}

/// A request for suggestions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AlsoBuyQuery {
    /// The product being viewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub item: Option<String>,
    /// What is in the cart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub cart: Vec<String>,
    /// How many suggestions (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub k: Option<u32>,
    /// Only categories starting with one of these paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub include: Vec<String>,
    /// Never categories starting with one of these paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub exclude: Vec<String>,
    /// Drop suggestions scoring below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub min_score: Option<f32>,
}

/// Why an item is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// Often bought together with `item` (in the cart or being viewed).
    BoughtWith,
    /// Similar to `item` (category, brand, price).
    SimilarTo,
    /// Matches what this shopper looked at and bought.
    MatchesYourInterest,
    /// This shopper bought it before.
    BoughtBefore,
    /// Popular in the shop.
    Popular,
    /// Moved up by the model fine-tuned on this shopper's feedback.
    Learned,
}

/// One reason and its share of a suggestion's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// What kind of reason.
    pub kind: ReasonKind,
    /// The context item it refers to, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub item: Option<String>,
    /// Share of the score in `[0, 1]`; the shares of one suggestion sum to 1.
    pub share: f32,
}

/// One suggested product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// The product id.
    pub item: String,
    /// Its blended score (higher is better).
    pub score: f32,
    /// Why, strongest first.
    pub reasons: Vec<Reason>,
}

/// What `recordMany` kept and dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    /// Events appended to the log.
    pub kept: u32,
    /// Valid events dropped by cleaning (duplicates, bursts, per-session cap).
    pub dropped: u32,
    /// Events refused (wrong JS type, or invalid: bad id, kind, timestamp…, or over a limit).
    pub rejected: u32,
    /// The refused events' messages, in order, each naming its index, field and value
    /// (`events[3]: field "item": expected a string, got number 5`); at most 100, then one line counting the
    /// rest.
    pub errors: Vec<String>,
}

/// Where the shopper's data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// IndexedDB in this browser.
    Indexeddb,
    /// Memory only: lost on reload (IndexedDB unavailable, or not opened with `Recommender.open`).
    Memory,
}

/// Counts and state, for display and debugging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Products in the catalogue.
    pub items: u32,
    /// This shopper's events in the log.
    pub events: u32,
    /// This shopper's sessions.
    pub sessions: u32,
    /// Where the shopper's data is kept.
    pub persistence: Persistence,
    /// Events recorded but not yet written to IndexedDB.
    pub pending_writes: u32,
    /// Why storage is limited, when it is (unavailable, quota exceeded, a corrupted record dropped…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub storage_note: Option<String>,
    /// The re-ranker model.
    pub model: ModelInfo,
}

/// The state of the re-ranker (the small neural network that re-scores suggestions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// Whether a model is loaded (from the pack or trained here). Without one, suggestions are the blend.
    pub loaded: bool,
    /// Whether it was trained or fine-tuned in this browser (otherwise it is the pack's, or there is none).
    pub personal: bool,
    /// Trainable parameters.
    pub parameters: u32,
    /// Epochs trained, over all runs.
    pub epochs: u32,
    /// Examples of the last training run.
    pub examples: u32,
    /// Training loss (binary cross-entropy) of the last epoch or online update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub loss: Option<f32>,
    /// Validation loss of the kept epoch of the last run, when it had a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub validation_loss: Option<f32>,
    /// Online updates from feedback (impressions, clicks, carts of suggestions) since the last run.
    pub online_updates: u32,
}

/// Progress of `train()`, passed to `onProgress` after every slice.
#[cfg(feature = "models")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TrainProgress {
    /// Epochs completed.
    pub epoch: u32,
    /// Epochs planned.
    pub epochs: u32,
    /// Share of the work done, in `[0, 1]`; 1 at the end (also after early stopping).
    pub fraction: f32,
    /// Latest training loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub loss: Option<f32>,
    /// Latest validation loss, when there is a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub validation_loss: Option<f32>,
    /// Whether training has finished.
    pub done: bool,
}

/// Limits that protect the page (`Recommender.open({ limits })`): every field optional, each at least 1;
/// the defaults and what happens when one is exceeded are in `docs/bad-input.md`. They also apply when the
/// pack is loaded, whatever limits the pack itself declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct LimitOptions {
    /// Most catalogue items (default 200,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_catalog_items: Option<u32>,
    /// Largest pack accepted or exported, in bytes (default 64 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_pack_bytes: Option<u32>,
    /// Largest `k` of an `alsoBuy` query (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_k: Option<u32>,
    /// Most item ids in a query's cart (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_cart_items: Option<u32>,
    /// Longest item or session id, in UTF-8 bytes (default and maximum 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_id_bytes: Option<u32>,
    /// Most events kept in the log (default 1,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_events: Option<u32>,
    /// Most events kept per session; later ones are dropped and counted (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_events_per_session: Option<u32>,
}

/// Options of `Recommender.open`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct OpenOptions {
    /// The shop's aggregated model pack (bytes of a `.pack` file); without it the recommender starts empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Uint8Array")]
    pub pack: Option<serde_bytes::ByteBuf>,
    /// Separates several recommenders on one origin (database `alsobuy:<namespace>`; default `"default"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub namespace: Option<String>,
    /// Limits that protect the page; unset fields keep their defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub limits: Option<LimitOptions>,
}

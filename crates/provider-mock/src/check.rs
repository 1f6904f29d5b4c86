//! Small helpers for walking a JSON body and explaining the first thing wrong with it. Every
//! error names the JSON path, so a failing test says which field broke which rule.

use serde_json::{Map, Value};

pub(crate) type Check<T> = Result<T, String>;

/// `parent.key` for error messages; the root has no prefix.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

pub(crate) fn object<'a>(v: &'a Value, path: &str) -> Check<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| format!("{path} must be an object"))
}

/// A required member that is an object.
pub(crate) fn req_object<'a>(
    parent: &'a Value,
    key: &str,
    path: &str,
) -> Check<&'a Map<String, Value>> {
    let p = join(path, key);
    match parent.get(key) {
        None | Some(Value::Null) => Err(format!("{p} is required")),
        Some(v) => object(v, &p),
    }
}

/// A required member that is a string.
pub(crate) fn req_str<'a>(parent: &'a Value, key: &str, path: &str) -> Check<&'a str> {
    let p = join(path, key);
    match parent.get(key) {
        None | Some(Value::Null) => Err(format!("{p} is required")),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(format!("{p} must be a string")),
    }
}

/// An optional member that, when present, is a string.
pub(crate) fn opt_str<'a>(parent: &'a Value, key: &str, path: &str) -> Check<Option<&'a str>> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{} must be a string", join(path, key))),
    }
}

/// An optional member that, when present, is a boolean.
pub(crate) fn opt_bool(parent: &Value, key: &str, path: &str) -> Check<Option<bool>> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{} must be a boolean", join(path, key))),
    }
}

/// A required member that is an array.
pub(crate) fn req_array<'a>(parent: &'a Value, key: &str, path: &str) -> Check<&'a Vec<Value>> {
    let p = join(path, key);
    match parent.get(key) {
        None | Some(Value::Null) => Err(format!("{p} is required")),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{p} must be an array")),
    }
}

/// A required number within `min..=max` (coordinates).
pub(crate) fn req_number_in(
    parent: &Value,
    key: &str,
    path: &str,
    min: f64,
    max: f64,
) -> Check<f64> {
    let p = join(path, key);
    match parent.get(key) {
        None | Some(Value::Null) => Err(format!("{p} is required")),
        Some(Value::Number(n)) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if (min..=max).contains(&x) {
                Ok(x)
            } else {
                Err(format!("{p} must be between {min} and {max}, got {x}"))
            }
        }
        Some(_) => Err(format!("{p} must be a number")),
    }
}

/// Length in characters (Unicode scalar values), the unit the providers' limits use, so an
/// Indonesian text with emoji is measured like the provider measures it.
pub(crate) fn chars_within(s: &str, min: usize, max: usize, path: &str) -> Check<()> {
    let n = s.chars().count();
    if n < min {
        if min == 1 {
            return Err(format!("{path} must not be empty"));
        }
        return Err(format!("{path} must be at least {min} characters, got {n}"));
    }
    if n > max {
        return Err(format!("{path} must be at most {max} characters, got {n}"));
    }
    Ok(())
}

/// Length in UTF-8 bytes, for limits the provider states in bytes (Telegram callback data).
pub(crate) fn bytes_within(s: &str, min: usize, max: usize, path: &str) -> Check<()> {
    let n = s.len();
    if n < min {
        return Err(format!("{path} must not be empty"));
    }
    if n > max {
        return Err(format!("{path} must be at most {max} bytes, got {n}"));
    }
    Ok(())
}

/// Counts within `min..=max` items.
pub(crate) fn count_within(n: usize, min: usize, max: usize, path: &str) -> Check<()> {
    if n < min || n > max {
        return Err(format!("{path} must have {min}..={max} items, got {n}"));
    }
    Ok(())
}

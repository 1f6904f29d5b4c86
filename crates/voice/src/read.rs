//! A strict reading of a TwiML document into a small tree, on top of quick-xml's reader: what
//! the call simulator (`layan voice call`) follows, and what the tests check every answer with.
//!
//! quick-xml checks tag nesting, end-tag names, dangling `&` and attribute syntax; the checks
//! it leaves to the caller (legal XML 1.0 characters, a declaration first, exactly one root,
//! only predefined entities, no `<` in attribute values) are done here. A document this
//! accepts is well-formed XML 1.0 as a strict parser (the providers') reads it.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn attr_names(&self) -> Vec<&str> {
        self.attrs.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// Child elements, in order.
    pub fn elements(&self) -> Vec<&Element> {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Element(e) => Some(e),
                Node::Text(_) => None,
            })
            .collect()
    }

    pub fn element_names(&self) -> Vec<&str> {
        self.elements().iter().map(|e| e.name.as_str()).collect()
    }

    /// All character data directly inside this element, references resolved.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }
}

/// The characters XML 1.0 allows (production `Char`).
pub fn is_xml_char(c: char) -> bool {
    let c = u32::from(c);
    c == 0x9
        || c == 0xA
        || c == 0xD
        || (0x20..=0xD7FF).contains(&c)
        || (0xE000..=0xFFFD).contains(&c)
        || (0x10000..=0x10FFFF).contains(&c)
}

fn element(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = start.name().as_ref().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("attribute of <{name}>: {e}"))?;
        let key = attr.key.as_ref().to_string();
        if attr.value.contains('<') {
            return Err(format!("raw '<' in attribute {key} of <{name}>"));
        }
        let value = attr
            .normalized_value(XmlVersion::Explicit1_0)
            .map_err(|e| format!("attribute {key} of <{name}>: {e}"))?;
        if attrs.iter().any(|(k, _)| *k == key) {
            return Err(format!("duplicate attribute {key} on <{name}>"));
        }
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
    })
}

fn push_text(stack: &mut [Element], text: &str, outside: &mut String) {
    match stack.last_mut() {
        Some(parent) => match parent.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => parent.children.push(Node::Text(text.to_string())),
        },
        None => outside.push_str(text),
    }
}

/// Parses a whole document strictly and returns its root element.
pub fn parse(xml: &str) -> Result<Element, String> {
    if let Some(bad) = xml.chars().find(|c| !is_xml_char(*c)) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML 1.0",
            bad as u32
        ));
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().enable_all_checks(true);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut outside = String::new();
    let mut first = true;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        if first {
            match &event {
                Event::Decl(decl) => {
                    let version = decl.version().map_err(|e| e.to_string())?;
                    if version != "1.0" {
                        return Err(format!("version {version}"));
                    }
                    let encoding = decl.encoding().transpose().map_err(|e| e.to_string())?;
                    if encoding.as_deref() != Some("UTF-8") {
                        return Err(format!("encoding {encoding:?}"));
                    }
                }
                other => {
                    return Err(format!(
                        "document does not start with a declaration: {other:?}"
                    ))
                }
            }
            first = false;
            continue;
        }
        match event {
            Event::Start(start) => {
                if root.is_some() && stack.is_empty() {
                    return Err("more than one root element".into());
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                let e = element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None if root.is_none() => root = Some(e),
                    None => return Err("more than one root element".into()),
                }
            }
            Event::End(_) => {
                let e = stack.pop().ok_or("end tag without start")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None => root = Some(e),
                }
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content(), &mut outside),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => {
                        if !is_xml_char(c) {
                            return Err(format!("reference to illegal character {r:?}"));
                        }
                        c.to_string()
                    }
                    None => resolve_predefined_entity(&r)
                        .ok_or_else(|| format!("undefined entity {r:?}"))?
                        .to_string(),
                };
                if stack.is_empty() {
                    return Err("reference outside the root element".into());
                }
                push_text(&mut stack, &resolved, &mut outside);
            }
            Event::Eof => break,
            other => return Err(format!("unexpected {other:?}")),
        }
    }
    if !stack.is_empty() {
        return Err("unclosed element".into());
    }
    if !outside
        .chars()
        .all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
    {
        return Err(format!("text outside the root element: {outside:?}"));
    }
    root.ok_or_else(|| "no root element".into())
}

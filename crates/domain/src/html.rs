//! An allow-list HTML sanitiser for published content (policies, interpretations, cases,
//! conventions). Only a small safe subset survives: `p`, `h2`–`h4`, `ul`/`ol`/`li`,
//! `strong`/`em` (`b`/`i` become them), `blockquote`, `br`, `a` with an `http(s)`,
//! relative or fragment `href`, and table basics (`table`, `thead`, `tbody`, `tr`, `th`,
//! `td` with numeric `colspan`/`rowspan`). Every other tag is dropped (its text kept);
//! `script`, `style`, `iframe` and similar are dropped with their content; every other
//! attribute (event handlers, `style`, `src` …) is removed; comments vanish; unbalanced
//! tags are closed. The output is well-formed and inert in any browser.
//!
//! Written by hand rather than with a crate so that the accepted subset is visible in
//! one screen and tested against well-known payloads below.

/// Tags kept, with the attributes each may carry.
fn allowed(tag: &str) -> Option<&'static [&'static str]> {
    Some(match tag {
        "p" | "h2" | "h3" | "h4" | "ul" | "ol" | "li" | "strong" | "em" | "blockquote" | "br" | "table" | "thead"
        | "tbody" | "tr" => &[],
        "a" => &["href"],
        "th" | "td" => &["colspan", "rowspan"],
        _ => return None,
    })
}

/// Tags removed together with everything inside them.
fn drops_content(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "iframe"
            | "frame"
            | "frameset"
            | "object"
            | "embed"
            | "applet"
            | "template"
            | "noscript"
            | "noembed"
            | "noframes"
            | "textarea"
            | "title"
            | "xmp"
            | "plaintext"
            | "svg"
            | "math"
            | "select"
            | "head"
    )
}

fn canonical(tag: &str) -> &str {
    match tag {
        "b" => "strong",
        "i" => "em",
        "h1" => "h2",
        "h5" | "h6" => "h4",
        t => t,
    }
}

/// Decodes the character references a browser would decode in an attribute value.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|e| e + 1);
        let (name, consumed) = match end {
            Some(e) => (&rest[1..e], if rest[e..].starts_with(';') { e + 1 } else { e }),
            None => (&rest[1..], rest.len()),
        };
        let ch = if let Some(num) = name.strip_prefix('#') {
            let v = if let Some(h) = num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                u32::from_str_radix(h, 16).ok()
            } else {
                num.parse::<u32>().ok()
            };
            v.and_then(char::from_u32)
        } else {
            match name.to_ascii_lowercase().as_str() {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                "nbsp" => Some('\u{a0}'),
                _ => None,
            }
        };
        match ch {
            Some(c) if !name.is_empty() => {
                out.push(c);
                rest = &rest[consumed..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a link target is safe: `http`, `https`, a relative path or a fragment.
pub fn safe_href(raw: &str) -> bool {
    let decoded = decode_entities(raw);
    let compact: String = decoded.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let lower = compact.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    if lower.starts_with("//") || lower.contains('\\') {
        return false;
    }
    // Relative: no scheme (a colon before the first `/`, `?` or `#` would be one).
    let head = lower.split(['/', '?', '#']).next().unwrap_or("");
    !head.contains(':')
}

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
}

/// Text between tags: character references kept as written when well-formed, bare `&`
/// escaped, `>` escaped.
fn push_text(s: &str, out: &mut String) {
    escape_text(&decode_entities(s), out);
}

struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
}

/// Parses a tag starting after `<`; returns it and the bytes consumed (through `>`).
fn parse_tag(s: &str) -> Option<(Tag, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let closing = b.first() == Some(&b'/');
    if closing {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric()) {
        i += 1;
    }
    if i == start {
        return None;
    }
    let name = s[start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some((Tag { name, closing, attrs }, i + 1));
        }
        let ns = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let an = s[ns..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                let ve = s[vs..].bytes().position(|c| c == q)? + vs;
                value = s[vs..ve].to_string();
                i = ve + 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = s[vs..i].to_string();
            }
        }
        if !an.is_empty() {
            attrs.push((an, value));
        }
    }
}

/// Sanitises untrusted HTML to the allowed subset.
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut open: Vec<String> = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(rest, &mut out);
            break;
        };
        push_text(&rest[..lt], &mut out);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map(|e| &after[e + 3..]).unwrap_or("");
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.find('>').map(|e| &rest[e + 1..]).unwrap_or("");
            continue;
        }
        let Some((tag, used)) = parse_tag(&rest[1..]) else {
            out.push_str("&lt;");
            rest = &rest[1..];
            continue;
        };
        rest = &rest[1 + used..];
        if drops_content(&tag.name) {
            if !tag.closing {
                let close = format!("</{}", tag.name);
                let lower = rest.to_ascii_lowercase();
                rest = match lower.find(&close) {
                    Some(p) => rest[p..].find('>').map(|e| &rest[p + e + 1..]).unwrap_or(""),
                    None => "",
                };
            }
            continue;
        }
        let name = canonical(&tag.name).to_string();
        let Some(keep) = allowed(&name) else { continue };
        if tag.closing {
            if let Some(pos) = open.iter().rposition(|t| *t == name) {
                while open.len() > pos {
                    let t = open.pop().expect("non-empty");
                    out.push_str(&format!("</{t}>"));
                }
            }
            continue;
        }
        out.push('<');
        out.push_str(&name);
        for (k, v) in &tag.attrs {
            if !keep.contains(&k.as_str()) {
                continue;
            }
            let v = decode_entities(v);
            let ok = match k.as_str() {
                "href" => safe_href(&v),
                _ => !v.is_empty() && v.len() <= 2 && v.bytes().all(|c| c.is_ascii_digit()),
            };
            if ok {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"");
                escape_text(v.trim(), &mut out);
                out.push('"');
            }
        }
        if name == "a" {
            out.push_str(" rel=\"noopener noreferrer\"");
        }
        out.push('>');
        if name != "br" {
            open.push(name);
        }
    }
    while let Some(t) = open.pop() {
        out.push_str(&format!("</{t}>"));
    }
    out
}

/// The readable text of (sanitised) HTML: tags removed, block ends as line breaks,
/// character references decoded, runs of blank space collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let end = rest[lt..].find('>').map(|e| lt + e + 1).unwrap_or(rest.len());
        let tag = rest[lt + 1..end.saturating_sub(1).max(lt + 1)].trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if matches!(name.as_str(), "p" | "br" | "li" | "h2" | "h3" | "h4" | "tr" | "blockquote" | "table") {
            out.push('\n');
        } else if matches!(name.as_str(), "td" | "th") {
            out.push(' ');
        }
        rest = &rest[end..];
    }
    out.push_str(&decode_entities(rest));
    let mut collapsed = String::with_capacity(out.len());
    for line in out.lines() {
        let l = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !l.is_empty() {
            if !collapsed.is_empty() {
                collapsed.push('\n');
            }
            collapsed.push_str(&l);
        }
    }
    collapsed
}

/// Plain text (one paragraph per line) as safe HTML paragraphs.
pub fn paragraphs(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        out.push_str("<p>");
        escape_text(line, &mut out);
        out.push_str("</p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No executable construct survives: no script element, no event handler, no
    /// dangerous scheme in a kept attribute.
    fn inert(out: &str) {
        let l = out.to_ascii_lowercase();
        for bad in [
            "<script", "<iframe", "<svg", "<img", "<object", "<embed", "<style", "<math", "<form", "<input", "<base",
            "<meta", "<link",
        ] {
            assert!(!l.contains(bad), "{bad} survived in {out}");
        }
        for attr in ["onerror", "onload", "onclick", "onmouseover", "onfocus", "style=", "src=", "formaction"] {
            // Attribute names can only appear inside tags; text is escaped.
            let inside_tags: String = l.split('<').skip(1).map(|s| s.split('>').next().unwrap_or("")).collect();
            assert!(!inside_tags.contains(attr), "{attr} survived in {out}");
        }
        for href in l.split("href=\"").skip(1) {
            let v = href.split('"').next().unwrap();
            assert!(safe_href(v), "unsafe href {v} in {out}");
            assert!(!v.contains("javascript") && !v.contains("data:") && !v.contains("vbscript"), "{out}");
        }
    }

    #[test]
    fn well_known_payloads_are_inert() {
        let payloads = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "<svg><script>alert(1)</script></svg>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"jav&#x61;script:alert(1)\">x</a>",
            "<a href=\"jav&#97;script&colon;alert(1)\">x</a>",
            "<a href=\" javascript:alert(1)\">x</a>",
            "<a href=\"java\tscript:alert(1)\">x</a>",
            "<a href=\"java&#x09;script:alert(1)\">x</a>",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<a href=\"//evil.example\">x</a>",
            "<p onclick=\"alert(1)\" style=\"background:url(javascript:alert(1))\">t</p>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<body onload=alert(1)>",
            "<div><p>ok</p><scr<script>ipt>alert(1)</script></div>",
            "<<script>script>alert(1)<</script>/script>",
            "<p>text<!-- <script>alert(1)</script> --></p>",
            "<![CDATA[<script>alert(1)</script>]]>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<form><button formaction=javascript:alert(1)>x</button></form>",
            "<input autofocus onfocus=alert(1)>",
            "<details open ontoggle=alert(1)>",
            "<object data=\"javascript:alert(1)\"></object>",
            "<embed src=\"javascript:alert(1)\">",
            "<base href=\"javascript:alert(1)//\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<a href=\"https://ok.example\" onmouseover=\"alert(1)\">ok</a>",
            "<td colspan=\"1 onmouseover=alert(1)\">x</td>",
            "<p title=\"x\"onmouseover=alert(1)>x</p>",
            "<a href='javascript:alert(1)'>x</a>",
            "<a href=javascript:alert(1)>x</a>",
            "<style>@import 'x'</style><p>y</p>",
            "<scr\0ipt>alert(1)</script>",
            "<p>unterminated <a href=\"x",
            "<a href=\"\u{1}javascript:alert(1)\">x</a>",
        ];
        for p in payloads {
            let out = sanitize(p);
            inert(&out);
            // Idempotent: sanitising the output changes nothing.
            assert_eq!(sanitize(&out), out, "not idempotent for {p}");
        }
    }

    #[test]
    fn safe_subset_is_kept() {
        let input = "<h2>第一条</h2><p>依据<strong>《行政处罚法》</strong>和<em>相关规定</em>。</p>\
                     <ul><li>一</li><li>二</li></ul><ol><li>甲</li></ol><br>\
                     <table><thead><tr><th>项目</th></tr></thead><tbody><tr><td colspan=\"2\">内容</td></tr></tbody></table>\
                     <p><a href=\"https://www.gov.cn/zhengce/\">国务院政策</a> <a href=\"/public/policies/3\">本站</a></p>";
        let out = sanitize(input);
        assert!(out.contains("<h2>第一条</h2>"));
        assert!(out.contains("<strong>《行政处罚法》</strong>"));
        assert!(out.contains("<td colspan=\"2\">内容</td>"));
        assert!(out.contains("<a href=\"https://www.gov.cn/zhengce/\" rel=\"noopener noreferrer\">国务院政策</a>"));
        assert!(out.contains("<a href=\"/public/policies/3\" rel=\"noopener noreferrer\">本站</a>"));
        assert!(out.contains("<br>"));
    }

    #[test]
    fn unknown_tags_keep_text_and_tags_are_balanced() {
        assert_eq!(sanitize("<div><span>正文</span></div>"), "正文");
        assert_eq!(sanitize("<p><strong>未闭合"), "<p><strong>未闭合</strong></p>");
        assert_eq!(sanitize("</p>多余</em>"), "多余");
        assert_eq!(sanitize("<b>粗</b><i>斜</i>"), "<strong>粗</strong><em>斜</em>");
        assert_eq!(sanitize("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
        assert_eq!(sanitize("&lt;script&gt;"), "&lt;script&gt;");
        assert_eq!(sanitize("<p>x</P>"), "<p>x</p>");
    }

    #[test]
    fn plain_text_for_search() {
        let t = plain_text(&sanitize("<h2>标题</h2><p>第一段&amp;内容</p><p>第二段</p>"));
        assert_eq!(t, "标题\n第一段&内容\n第二段");
        assert_eq!(paragraphs("一\n\n<b>二</b>"), "<p>一</p><p>&lt;b&gt;二&lt;/b&gt;</p>");
    }
}

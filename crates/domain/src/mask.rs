//! Masking of personal data for public pages (DESIGN §8): a person's ID number, phone
//! number and name never appear in full outside the roles that need them.

/// `13812345678` → `138****5678`; other lengths keep at most the first 3 and last 2.
pub fn phone(s: &str) -> String {
    let c: Vec<char> = s.trim().chars().collect();
    match c.len() {
        0 => String::new(),
        11 => format!("{}****{}", c[..3].iter().collect::<String>(), c[7..].iter().collect::<String>()),
        n if n <= 4 => "*".repeat(n),
        n => format!(
            "{}{}{}",
            c[..3.min(n - 2)].iter().collect::<String>(),
            "*".repeat(n - 3.min(n - 2) - 2),
            c[n - 2..].iter().collect::<String>()
        ),
    }
}

/// 18-digit resident ID: first 1 and last 1 kept (`1**************X`), as the credit
/// publicity rules do; any other length is fully starred but for the first character.
pub fn id_number(s: &str) -> String {
    let c: Vec<char> = s.trim().chars().collect();
    match c.len() {
        0 => String::new(),
        1 => "*".into(),
        n => format!("{}{}{}", c[0], "*".repeat(n - 2), c[n - 1]),
    }
}

/// A person's name: the surname kept, the rest starred (`张*`, `欧阳**`).
pub fn person_name(s: &str) -> String {
    let c: Vec<char> = s.trim().chars().collect();
    match c.len() {
        0 => String::new(),
        1 => "*".into(),
        2 | 3 => format!("{}{}", c[0], "*".repeat(c.len() - 1)),
        n => format!("{}{}{}", c[0], c[1], "*".repeat(n - 2)),
    }
}

/// Masks every 11-digit mobile number and every 15/18-character ID number found inside
/// free text, so that published text never carries them in clear.
pub fn scrub_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit() || ((chars[j] == 'X' || chars[j] == 'x') && j - i == 17))
            {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let boundary = j == chars.len() || !chars[j].is_ascii_alphanumeric();
            if boundary && run.len() == 11 && run.starts_with('1') {
                out.push_str(&phone(&run));
                i = j;
                continue;
            }
            if boundary && (run.len() == 18 || run.len() == 15) {
                out.push_str(&id_number(&run));
                i = j;
                continue;
            }
            out.push_str(&run);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(phone("022-2345"), "022***45");
        assert_eq!(id_number("12010419900101123X"), "1****************X");
        assert_eq!(person_name("张三"), "张*");
        assert_eq!(person_name("欧阳小明"), "欧阳**");
        assert_eq!(
            scrub_text("联系人13812345678,身份证12010419900101123X。"),
            "联系人138****5678,身份证1****************X。"
        );
        assert_eq!(scrub_text("金额2000元"), "金额2000元");
    }
}

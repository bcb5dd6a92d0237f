//! Personal data typed into free text is masked before anything is stored (PIPL: the
//! raw text is never written anywhere): mobile numbers, landlines with an area code,
//! resident ID numbers of 18 and 15 digits, bank-card-like runs, e-mail addresses, QQ
//! and WeChat accounts after the words that name them, licence plates, a household's
//! building, unit and flat, and a resident's name after "我叫", "本人" and the like.
//! Pure: text in, text out.
//!
//! The rules read a normalized copy with one character for each of the text's
//! (`normalize`: full-width digits and letters to ASCII, numerals read digit by digit
//! to digits), and the characters they find are replaced by `*` in the text as typed,
//! so "手机１３８１２３４５６７８" is stored as "手机１３８****５６７８". Rooms: `numbers`,
//! `email`, `cues` (QQ, WeChat), `plates`, `address`, `names`; `marks` holds what they
//! found. Masking what is masked changes nothing.

mod address;
mod cues;
mod email;
mod marks;
mod names;
mod normalize;
mod numbers;
mod plates;

pub use marks::Kind;

/// The rules, with the public numbers a survey lists (service hotlines that stay).
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Each public number's digits.
    public: Vec<String>,
}

impl Masker {
    /// Rules that leave these numbers as written (any formatting; compared by digits).
    pub fn new(public_numbers: &[String]) -> Masker {
        Masker {
            public: public_numbers
                .iter()
                .map(|n| n.chars().filter(char::is_ascii_digit).collect())
                .filter(|d: &String| !d.is_empty())
                .collect(),
        }
    }

    /// `text` with every piece of personal data masked, and what was masked.
    pub fn mask(&self, text: &str) -> (String, Vec<Kind>) {
        let typed: Vec<char> = text.chars().collect();
        let t = normalize::normalize(&typed);
        let mut marks = marks::Marks::new(typed.len());
        email::find(&t, &mut marks);
        numbers::find(&t, &self.public, &mut marks);
        cues::find(&t, &mut marks);
        plates::find(&t, &mut marks);
        address::find(&t, &mut marks);
        names::find(&typed, &mut marks);
        let out = typed
            .iter()
            .zip(&marks.hide)
            .map(|(c, hide)| if *hide { '*' } else { *c })
            .collect();
        (out, marks.kinds)
    }
}

/// `text` with every piece of personal data masked (no public numbers listed).
pub fn mask(text: &str) -> (String, Vec<Kind>) {
    Masker::default().mask(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, want: &str) {
        assert_eq!(mask(input).0, want, "{input}");
    }

    #[test]
    fn personal_data_is_masked() {
        check("我的电话13812345678", "我的电话138****5678");
        check("电话 138 1234 5678 找我", "电话 138 **** 5678 找我");
        check("call 138-1234-5678", "call 138-****-5678");
        check("+86 13912345678", "+86 139****5678");
        check("座机0755-86001234", "座机0755-******34");
        check(
            "两个号码13812345678 13912345678",
            "两个号码138****5678 139****5678",
        );
        check("010-12345678", "010-******78");
        check("(010)12345678", "(010)******78");
        // A valid ID number (check digit X), and one in lower case.
        check("身份证11010519491231002X", "身份证110***********002X");
        check("11010519491231002x", "110***********002x");
        check("卡号6222 0212 3456 7890 123", "卡号**** **** **** ***0 123");
        check("邮箱 zhang.wei@163.com 联系", "邮箱 z********@163.com 联系");
    }

    /// The forms the issue found stored as typed.
    #[test]
    fn as_residents_type_them() {
        check("手机１３８１２３４５６７８", "手机１３８****５６７８");
        check("老身份证110105491231002", "老身份证110*********002");
        check("QQ 123456789", "QQ 12*****89");
        check("微信号 zhangsan_1988 加我", "微信号 z************ 加我");
        check(
            "我叫张三，住幸福里3栋2单元501",
            "我叫**，住幸福里*栋*单元***",
        );
        check("电话一三八一二三四五六七八", "电话一三八****五六七八");
        check("车牌京A·12345", "车牌京A·*****");
        check("我姓张", "我姓*");
    }

    #[test]
    fn near_misses_stay() {
        for s in [
            "2026年的活动很好",
            "13路公交车太挤",
            "3号楼2单元的路灯坏了",
            "3栋楼都没有路灯",
            "垃圾桶1380元太贵",
            "1234567890 是编号",
            "12345678901",
            "房屋编号 2026 1201",
            "价格 19.99 元",
            "邮箱写错了 zhang@",
            "@小区物业",
            "打12345热线没人接",
            "我是老党员",
            "王书记很负责",
            "本人认为应该多装路灯",
            "订单号202612071234567",
        ] {
            check(s, s);
        }
    }

    #[test]
    fn public_numbers_stay() {
        let m = Masker::new(&["0571-88880000".into()]);
        assert_eq!(m.mask("请打0571-88880000咨询").0, "请打0571-88880000咨询");
        assert_eq!(m.mask("我家0571-88881111").0, "我家0571-******11");
    }

    #[test]
    fn masking_twice_changes_nothing() {
        let (once, _) = mask("电话13812345678，邮箱 a.b@qq.com，我叫张三，住3栋2单元501");
        assert_eq!(mask(&once).0, once);
    }
}

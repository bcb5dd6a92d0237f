//! Printable A4 posters: one page per collection point with the survey's title, the
//! place, the QR code, the short link and a line on privacy.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::definition::{Lang, Survey};
use crate::labels::svg_body;

pub fn posters(l: Lang, s: &Survey, items: &[(crate::qr::Place, String)]) -> Markup {
    let css = "@page{size:A4;margin:15mm}body{margin:0;font-family:system-ui,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif}\
.p{height:267mm;display:flex;flex-direction:column;align-items:center;justify-content:space-between;text-align:center;page-break-after:always;break-after:page;padding:10mm 0}\
.p h1{font-size:30pt;margin:0}.p h2{font-size:22pt;margin:0}.p .q svg{width:130mm;height:auto}\
.p .u{font-size:13pt;word-break:break-all}.p .priv{font-size:12pt;color:#333}\
@media screen{body{background:#ddd}.p{background:#fff;width:210mm;margin:8mm auto;box-shadow:0 1px 4px #0004}.hint{max-width:210mm;margin:1rem auto;font-size:1rem}}\
@media print{.hint{display:none}}";
    html! {
        (DOCTYPE)
        html lang=(l.pick("zh-CN", "en")) {
            head { meta charset="utf-8"; title { (s.title.get(l)) " · " (l.pick("二维码海报", "QR posters")) } style { (PreEscaped(css)) } }
            body { main {
                p.hint { (l.pick("用浏览器“打印”（可选“另存为PDF”），纸张A4。每个调查点一页，共 ", "Print with the browser (or “Save as PDF”), A4 paper. One page per collection point, "))
                    (items.len()) (l.pick(" 页。", " pages.")) }
                @for (p, svg) in items {
                    section.p {
                        h1 { (s.title.get(l)) }
                        h2 { (p.label) }
                        div.q { (PreEscaped(svg_body(svg))) }
                        p { (l.pick("请用手机扫码参加，约需5分钟。", "Scan with your phone to take part; it takes about 5 minutes.")) }
                        p.u { (p.url) }
                        p.priv { (l.pick("本调查匿名进行：不收集姓名、电话，不保存IP地址。答案仅用于统计。",
                            "Anonymous: no names or phone numbers are asked and no IP addresses are kept. Answers are used only for statistics.")) }
                    }
                }
            } }
        }
    }
}

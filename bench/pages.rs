//! Deterministic, realistic HTML for the benchmarks: nested layout, navigation menus,
//! cards, articles with inline links, comments, tables, forms, inline styles and
//! scripts (whose text mentions `<a href>` markup that must not count), and links of
//! every kind: relative (`../x`, `x?y`, `?q`, `#f`), root-relative, absolute,
//! scheme-relative, with queries, entities and fragments, `mailto:`/`javascript:`/`tel:`,
//! and duplicates (the footer repeats the menu).
//!
//! A page is generated once per kind and variant, then served with the page number
//! spliced in at [`MARK`]s, so that every URL gets a distinct page (card and comment
//! links carry the number) at the cost of a copy.

/// Where the page number goes in a template.
pub const MARK: char = '\u{1}';

/// The kinds of page the benchmarks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A ~100 KB front page: menus, a stream of cards, sidebars, a big footer.
    Page,
    /// A ~150 KB article: long text with inline links, figures, notes, comments.
    Article,
    /// A ~2 MB listing: many cards and tables (the single-page throughput test).
    Big,
    /// A ~1 KB page with three links, all unique to the page (the scale run).
    Tiny,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Page, Kind::Article, Kind::Big, Kind::Tiny];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Article => "article",
            Kind::Big => "big",
            Kind::Tiny => "tiny",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// How many different templates the kind has (page `n` uses `n % variants`).
    pub fn variants(self) -> usize {
        match self {
            Kind::Page | Kind::Article => 8,
            Kind::Big | Kind::Tiny => 1,
        }
    }

    fn target_bytes(self) -> usize {
        match self {
            Kind::Page => 100_000,
            Kind::Article => 150_000,
            Kind::Big => 2_000_000,
            Kind::Tiny => 0,
        }
    }
}

/// A template: the page split at its [`MARK`]s.
pub struct Template {
    parts: Vec<Vec<u8>>,
}

impl Template {
    pub fn new(kind: Kind, variant: usize) -> Template {
        let html = generate(kind, variant as u64);
        Template {
            parts: html.split(MARK).map(|p| p.as_bytes().to_vec()).collect(),
        }
    }

    /// The page with number `n`.
    pub fn render(&self, n: u64, out: &mut Vec<u8>) {
        let number = n.to_string();
        out.clear();
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(number.as_bytes());
            }
            out.extend_from_slice(part);
        }
    }

    /// The length of page 0 (pages differ only by the digits of their number).
    pub fn approx_len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum::<usize>() + self.parts.len()
    }
}

/// A small xorshift generator: the pages must be the same on every machine and run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "on",
    "by",
    "at",
    "from",
    "this",
    "be",
    "are",
    "which",
    "or",
    "an",
    "has",
    "but",
    "government",
    "market",
    "energy",
    "climate",
    "report",
    "people",
    "city",
    "council",
    "election",
    "policy",
    "research",
    "data",
    "network",
    "science",
    "health",
    "school",
    "water",
    "transport",
    "budget",
    "court",
    "season",
    "team",
    "music",
    "festival",
    "company",
    "workers",
    "prices",
    "growth",
    "storm",
    "river",
    "mountain",
    "village",
    "history",
    "museum",
    "university",
    "students",
    "software",
    "security",
    "privacy",
    "reported",
    "announced",
    "according",
    "officials",
    "said",
    "million",
    "percent",
    "during",
    "between",
    "against",
    "without",
    "however",
    "although",
    "because",
    "recent",
    "local",
    "national",
    "international",
    "public",
    "private",
    "early",
    "late",
    "new",
    "old",
    "large",
    "small",
    "major",
    "minor",
    "first",
    "last",
    "next",
    "caf\u{e9}",
    "na\u{ef}ve",
    "M\u{fc}nchen",
    "S\u{e3}o",
    "\u{2014}",
    "&amp;",
    "&nbsp;",
    "&#8220;quoted&#8221;",
    "r\u{e9}sum\u{e9}",
];

const SECTIONS: &[&str] = &[
    "world",
    "politics",
    "business",
    "technology",
    "science",
    "health",
    "sport",
    "culture",
    "opinion",
    "travel",
    "food",
    "style",
    "books",
    "music",
    "film",
    "weather",
];

const HOSTS: &[&str] = &[
    "https://www.example.com",
    "https://news.example.org",
    "http://blog.example.net",
    "https://en.wikipedia.org",
    "https://cdn.example-static.com",
    "https://twitter.com",
    "https://www.facebook.com",
    "https://github.com",
    "https://shop.example.co.uk",
    "HTTPS://Media.Example.COM:443",
];

fn words(rng: &mut Rng, out: &mut String, count: usize) {
    for i in 0..count {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(WORDS));
    }
}

fn slug(rng: &mut Rng, count: usize) -> String {
    let mut s = String::new();
    for i in 0..count {
        if i > 0 {
            s.push('-');
        }
        let w = rng.pick(WORDS);
        if w.chars().all(|c| c.is_ascii_alphabetic()) {
            s.push_str(w);
        } else {
            s.push('x');
        }
    }
    s
}

/// An `href` of one of the many shapes real pages use. `unique` puts the page number in.
fn href(rng: &mut Rng, unique: bool) -> String {
    let section = rng.pick(SECTIONS);
    let mark = if unique {
        format!("-{MARK}")
    } else {
        String::new()
    };
    let id = rng.range(1, 99_999);
    match rng.below(14) {
        0..=2 => format!(
            "/{section}/{}/{:02}/{}{mark}.html",
            rng.range(2015, 2025),
            rng.range(1, 12),
            slug(rng, 4)
        ),
        3 => format!("../{section}/{}{mark}/", slug(rng, 2)),
        4 => format!("{}{mark}.html?ref=home&amp;pos={id}", slug(rng, 3)),
        5 => format!("?page={}{mark}&amp;sort=new", rng.range(2, 40)),
        6 => format!("#{}{mark}", slug(rng, 2)),
        7 | 8 => format!(
            "{}/{section}/{}{mark}?utm_source=feed&amp;utm_medium=web#top",
            rng.pick(HOSTS),
            slug(rng, 3)
        ),
        9 => format!("//static.example-cdn.net/{section}/{id}{mark}/index.html"),
        10 => format!("/search?q={}+{}{mark}&amp;lang=en", rng.pick(SECTIONS), id),
        11 => format!(" /{section}/item/{id}{mark} "),
        12 => format!("./{section}/./a/../b/{}{mark}", slug(rng, 2)),
        _ => format!("/tags/{}{mark}/caf%C3%A9/\u{e9}t\u{e9}", slug(rng, 1)),
    }
}

fn odd_href(rng: &mut Rng) -> &'static str {
    let odd = [
        "javascript:void(0)",
        "mailto:newsroom@example.com",
        "tel:+44-20-7946-0000",
        "#",
        "",
        "data:text/html,hi",
    ];
    odd[rng.below(odd.len())]
}

fn style_block(rng: &mut Rng, out: &mut String, rules: usize) {
    out.push_str("<style>\n");
    for i in 0..rules {
        let class = slug(rng, 2);
        out.push_str(&format!(
            ".{class}-{i} > .item:not(.hidden) a[href^=\"http\"]::after {{ content: \"\\2197\"; margin: 0 {}px; color: #{:06x}; font: 14px/1.4 system-ui, sans-serif; }}\n",
            rng.range(0, 24),
            rng.next() & 0xff_ffff
        ));
        if i % 5 == 0 {
            out.push_str("@media (max-width: 768px) { .grid { grid-template-columns: 1fr; } .menu > li:hover ul { display: block; } }\n");
        }
    }
    out.push_str("</style>\n");
}

fn script_block(rng: &mut Rng, out: &mut String, statements: usize) {
    out.push_str("<script>\n(function(w, d) {\n  'use strict';\n");
    for i in 0..statements {
        match rng.below(4) {
            0 => out.push_str(&format!(
                "  var el{i} = d.querySelector('.{}'); if (el{i} && w.innerWidth < {}) {{ el{i}.classList.add('compact'); }}\n",
                slug(rng, 2),
                rng.range(320, 1400)
            )),
            1 => out.push_str(&format!(
                "  d.write('<a href=\"/from-script/{}\">not a link</a>'); // </div> in a string\n",
                slug(rng, 2)
            )),
            2 => out.push_str(&format!(
                "  w.dataLayer = w.dataLayer || []; w.dataLayer.push({{ event: '{}', id: {}, ok: 1 < 2 && 3 > 2 }});\n",
                slug(rng, 1),
                rng.range(1, 100_000)
            )),
            _ => out.push_str(&format!(
                "  fetch('/api/v2/{}?x=' + encodeURIComponent(location.href)).then(function (r) {{ return r.json(); }});\n",
                slug(rng, 2)
            )),
        }
    }
    out.push_str("})(window, document);\n</script>\n");
}

fn head(rng: &mut Rng, out: &mut String, title: &str, scripts: usize, styles: usize) {
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\" class=\"no-js\">\n<head>\n<meta charset=\"utf-8\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{title} {MARK} | Example News</title>\n"));
    out.push_str("<link rel=\"stylesheet\" href=\"/static/css/main.css?v=20240501\">\n");
    out.push_str("<link rel=\"canonical\" href=\"https://www.example.com/\">\n");
    out.push_str("<link rel=\"preconnect\" href=\"https://cdn.example-static.com\">\n");
    out.push_str("<meta property=\"og:url\" content=\"https://www.example.com/\">\n");
    style_block(rng, out, styles);
    script_block(rng, out, scripts);
    out.push_str("<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\"url\":\"https://www.example.com/a\"}</script>\n");
    out.push_str("</head>\n");
}

/// The main menu: two levels, as a news site has. Used in the header and again in the
/// footer (duplicate links).
fn menu(rng: &mut Rng, out: &mut String) {
    out.push_str("<nav class=\"main-nav\" aria-label=\"Main\"><ul class=\"menu\">\n");
    for section in SECTIONS {
        out.push_str(&format!(
            "<li class=\"menu-item menu-{section}\"><a href=\"/{section}/\" class=\"menu-link\">{section}</a><ul class=\"sub-menu\">"
        ));
        for _ in 0..4 {
            let sub = slug(rng, 1);
            out.push_str(&format!(
                "<li><a href=\"/{section}/{sub}/\"><span>{sub}</span></a></li>"
            ));
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("</ul></nav>\n");
}

fn card(rng: &mut Rng, out: &mut String) {
    let link = href(rng, true);
    out.push_str(&format!(
        "<article class=\"card card--{}\" data-id=\"{}\"><div class=\"card__inner\"><div class=\"card__media\"><a href=\"{link}\" tabindex=\"-1\"><picture><source srcset=\"/img/{}.webp 1x, /img/{}@2x.webp 2x\" type=\"image/webp\"><img src=\"/img/{}.jpg\" alt=\"",
        rng.pick(SECTIONS),
        rng.range(1, 1_000_000),
        rng.range(1, 9999),
        rng.range(1, 9999),
        rng.range(1, 9999)
    ));
    words(rng, out, 5);
    out.push_str("\" loading=\"lazy\" width=\"640\" height=\"360\"></picture></a></div>\n<div class=\"card__body\"><h3 class=\"card__title\"><a href=\"");
    out.push_str(&link);
    out.push_str("\">");
    let count = rng.range(5, 10);
    words(rng, out, count);
    out.push_str("</a></h3><p class=\"card__summary\">");
    let count = rng.range(20, 40);
    words(rng, out, count);
    out.push_str("</p><div class=\"card__meta\"><span class=\"byline\">By <a href=\"/authors/");
    out.push_str(&slug(rng, 2));
    out.push_str("\" rel=\"author\">");
    words(rng, out, 2);
    out.push_str(&format!(
        "</a></span> <time datetime=\"2024-05-{:02}T10:00:00Z\">May {}</time> <a href=\"{}\" class=\"share\" onclick=\"return share(this)\">Share</a> <a href=\"{}#comments\" class=\"comments\"><span class=\"count\">{}</span> comments</a></div></div></div></article>\n",
        rng.range(1, 28),
        rng.range(1, 28),
        odd_href(rng),
        link,
        rng.range(0, 500)
    ));
}

fn sidebar(rng: &mut Rng, out: &mut String) {
    out.push_str(
        "<aside class=\"sidebar\"><section class=\"widget most-read\"><h2>Most read</h2><ol>\n",
    );
    for _ in 0..10 {
        out.push_str(&format!("<li><a href=\"{}\">", href(rng, false)));
        words(rng, out, 6);
        out.push_str("</a></li>\n");
    }
    out.push_str("</ol></section>\n<section class=\"widget\"><form action=\"/search\" method=\"get\" role=\"search\"><label for=\"q\">Search</label><input id=\"q\" name=\"q\" type=\"search\" placeholder=\"Search\"><button type=\"submit\">Go</button></form></section>\n<section class=\"widget markets\"><table class=\"markets\"><thead><tr><th>Index</th><th>Value</th><th>Change</th></tr></thead><tbody>\n");
    for _ in 0..8 {
        out.push_str(&format!(
            "<tr><td><a href=\"/markets/{}\">{}</a></td><td>{}.{:02}</td><td class=\"up\">+{}.{:02}%</td></tr>\n",
            slug(rng, 1),
            slug(rng, 1),
            rng.range(100, 40_000),
            rng.range(0, 99),
            rng.range(0, 5),
            rng.range(0, 99)
        ));
    }
    out.push_str("</tbody></table></section></aside>\n");
}

fn footer(rng: &mut Rng, out: &mut String) {
    out.push_str(
        "<footer class=\"site-footer\"><div class=\"container\"><div class=\"footer-nav\">\n",
    );
    // The same menu again: duplicate links, as on real sites.
    let mut again = Rng::new(7);
    menu(&mut again, out);
    out.push_str("</div><ul class=\"social\">");
    for host in [
        "https://twitter.com/example",
        "https://www.facebook.com/example",
        "https://www.instagram.com/example/",
        "https://www.youtube.com/c/Example",
    ] {
        out.push_str(&format!(
            "<li><a href=\"{host}\" rel=\"noopener\" target=\"_blank\">{host}</a></li>"
        ));
    }
    out.push_str("</ul><p class=\"legal\">&copy; 2024 Example News Ltd. <a href=\"/terms\">Terms</a> &middot; <a href=\"/privacy#cookies\">Privacy</a> &middot; <a href=\"mailto:contact@example.com\">Contact</a> &middot; <a href=\"/terms\">Terms</a></p>\n");
    script_block(rng, out, 6);
    out.push_str("</div></footer>\n");
}

fn header(rng: &mut Rng, out: &mut String) {
    out.push_str("<body class=\"home\"><a class=\"skip\" href=\"#main\">Skip to content</a>\n<div id=\"page\" class=\"site\"><header class=\"site-header\"><div class=\"container\"><div class=\"brand\"><a class=\"logo\" href=\"/\"><svg width=\"120\" height=\"30\" viewBox=\"0 0 120 30\"><a href=\"/svg-not-html\"><text x=\"0\" y=\"20\">Example</text></a></svg></a></div>\n");
    let mut same = Rng::new(7);
    menu(&mut same, out);
    out.push_str("<div class=\"header-tools\"><a href=\"/account/login?return=%2F\">Sign in</a> <a href=\"https://subscribe.example.com/?campaign=header\">Subscribe</a></div></div></header>\n");
    let _ = rng;
}

fn front_page(rng: &mut Rng, out: &mut String, target: usize) {
    head(rng, out, "Front page", 60, 80);
    header(rng, out);
    out.push_str("<main id=\"main\" class=\"site-main\"><div class=\"container\"><div class=\"layout grid\">\n<div class=\"content\">\n");
    let mut sections = 0;
    while out.len() < target.saturating_sub(16_000) {
        out.push_str(&format!(
            "<section class=\"stream stream-{}\"><header class=\"stream__header\"><h2><a href=\"/{}/\">{}</a></h2></header><div class=\"stream__items\"><div class=\"row\"><div class=\"col\">\n",
            sections,
            SECTIONS[sections % SECTIONS.len()],
            SECTIONS[sections % SECTIONS.len()]
        ));
        for _ in 0..6 {
            card(rng, out);
        }
        out.push_str("</div></div></div></section>\n");
        if sections % 3 == 2 {
            out.push_str("<div class=\"ad-slot\" data-slot=\"mid\"><noscript><a href=\"https://ads.example-adserver.com/click?id=42&amp;cb=1\"><img src=\"https://ads.example-adserver.com/img?id=42\" alt=\"\"></a></noscript></div>\n");
            script_block(rng, out, 8);
        }
        sections += 1;
    }
    out.push_str("</div>\n");
    sidebar(rng, out);
    out.push_str("</div></div></main>\n");
    footer(rng, out);
    out.push_str("</div></body>\n</html>\n");
}

fn paragraph(rng: &mut Rng, out: &mut String) {
    out.push_str("<p>");
    let links = rng.range(0, 3);
    for _ in 0..links {
        let count = rng.range(15, 40);
        words(rng, out, count);
        let target = if rng.chance(40) {
            format!(
                "https://en.wikipedia.org/wiki/{}_({})",
                slug(rng, 1),
                slug(rng, 1)
            )
        } else {
            let unique = rng.chance(50);
            href(rng, unique)
        };
        out.push_str(&format!(" <a href=\"{target}\" title=\""));
        words(rng, out, 3);
        out.push_str("\">");
        let count = rng.range(1, 4);
        words(rng, out, count);
        out.push_str("</a> ");
    }
    let count = rng.range(20, 60);
    words(rng, out, count);
    if rng.chance(30) {
        let note = rng.range(1, 40);
        out.push_str(&format!(
            "<sup class=\"reference\" id=\"cite-ref-{note}\"><a href=\"#cite-note-{note}\">[{note}]</a></sup>"
        ));
    }
    out.push_str(".</p>\n");
}

fn comment(rng: &mut Rng, out: &mut String, depth: usize) {
    out.push_str(&format!(
        "<div class=\"comment depth-{depth}\" id=\"comment-{MARK}-{}\"><div class=\"comment__meta\"><a href=\"/users/{}\" class=\"user\">{}</a> <a href=\"#comment-{MARK}-{}\" class=\"permalink\">#</a></div><div class=\"comment__body\"><p>",
        rng.range(1, 100_000),
        slug(rng, 1),
        slug(rng, 1),
        rng.range(1, 100_000)
    ));
    let count = rng.range(10, 50);
    words(rng, out, count);
    out.push_str("</p></div><div class=\"comment__actions\"><a href=\"javascript:reply()\">Reply</a> <a href=\"?report=1\">Report</a></div>");
    if depth < 6 && rng.chance(45) {
        out.push_str("<div class=\"replies\">");
        comment(rng, out, depth + 1);
        out.push_str("</div>");
    }
    out.push_str("</div>\n");
}

fn article(rng: &mut Rng, out: &mut String, target: usize) {
    head(rng, out, "Article", 80, 60);
    header(rng, out);
    out.push_str("<main id=\"main\"><div class=\"container\"><div class=\"layout grid\"><div class=\"content\"><article class=\"post\" itemscope itemtype=\"https://schema.org/NewsArticle\"><header class=\"post__header\"><nav class=\"breadcrumbs\"><ol><li><a href=\"/\">Home</a></li><li><a href=\"/world/\">World</a></li><li><a href=\"/world/europe/\">Europe</a></li></ol></nav><h1 itemprop=\"headline\">");
    words(rng, out, 12);
    out.push_str("</h1><p class=\"standfirst\">");
    words(rng, out, 30);
    out.push_str("</p></header><div class=\"post__body\" itemprop=\"articleBody\">\n");
    let body_end = target * 3 / 4;
    let mut n = 0;
    while out.len() < body_end {
        paragraph(rng, out);
        n += 1;
        if n % 9 == 0 {
            out.push_str(&format!("<figure class=\"figure\"><a href=\"/img/full/{0}.jpg\"><img src=\"/img/{0}.jpg\" alt=\"\" width=\"800\" height=\"450\"></a><figcaption>", rng.range(1, 99_999)));
            words(rng, out, 12);
            out.push_str("</figcaption></figure>\n");
        }
        if n % 13 == 0 {
            out.push_str("<blockquote><p>");
            words(rng, out, 25);
            out.push_str("</p><footer>&mdash; <cite><a href=\"https://www.example.com/quotes/1\">Source</a></cite></footer></blockquote>\n");
        }
        if n % 17 == 0 {
            out.push_str("<h2>");
            words(rng, out, 5);
            out.push_str("</h2><ul>");
            for _ in 0..5 {
                out.push_str(&format!("<li><a href=\"{}\">", href(rng, false)));
                words(rng, out, 4);
                out.push_str("</a></li>");
            }
            out.push_str("</ul>\n");
        }
    }
    out.push_str("<ol class=\"references\">");
    for note in 1..40 {
        out.push_str(&format!(
            "<li id=\"cite-note-{note}\"><a href=\"#cite-ref-{note}\">^</a> <a rel=\"nofollow\" class=\"external\" href=\"https://doi.example.org/10.{}/{}\">",
            rng.range(1000, 9999),
            slug(rng, 2)
        ));
        words(rng, out, 8);
        out.push_str("</a></li>");
    }
    out.push_str("</ol></div>\n<section class=\"comments\" id=\"comments\"><h2>Comments</h2>\n");
    while out.len() < target.saturating_sub(14_000) {
        comment(rng, out, 0);
    }
    out.push_str("</section></article></div>\n");
    sidebar(rng, out);
    out.push_str("</div></div></main>\n");
    footer(rng, out);
    out.push_str("</div></body>\n</html>\n");
}

fn tiny(out: &mut String) {
    out.push_str(&format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Tiny {MARK}</title><style>body {{ font: 16px sans-serif; }}</style></head>\n<body><div class=\"wrap\"><nav><ul><li><a href=\"/t/{MARK}/a\">first</a></li><li><a href=\"b?n={MARK}\">second</a></li></ul></nav>\n<p>Some text &amp; an <a href=\"https://x{MARK}.example.com/c#end\">absolute link</a>, and <a href=\"mailto:a@b.c\">mail</a>.</p></div></body></html>\n"
    ));
}

/// The page of `kind` for template `variant`, with [`MARK`]s where the number goes.
pub fn generate(kind: Kind, variant: u64) -> String {
    let mut rng = Rng::new(variant * 31 + kind as u64 + 1);
    let mut out = String::with_capacity(kind.target_bytes() + 64 * 1024);
    match kind {
        Kind::Page => front_page(&mut rng, &mut out, kind.target_bytes()),
        Kind::Article => article(&mut rng, &mut out, kind.target_bytes()),
        Kind::Big => front_page(&mut rng, &mut out, kind.target_bytes()),
        Kind::Tiny => tiny(&mut out),
    }
    out
}

/// The hostile pages of the `hostile` group: what the product contract says must cost
/// what it costs a browser, each with a few links whose output is checked.
pub const HOSTILE: [(&str, &str); 3] = [
    ("deep", "100,000 nested <div>s"),
    ("misnested", "50,000 <b><div> misnestings"),
    ("million", "1,000,000 links"),
];

/// The hostile page `name` (one of [`HOSTILE`]) and the number of lines its run prints.
pub fn hostile(name: &str) -> (String, u64) {
    let mut out =
        String::from("<!DOCTYPE html><title>Hostile</title><a href=\"/before\">before</a>");
    let mut nest = |open: &str, close: &str, times: usize| {
        out.push_str(&open.repeat(times));
        out.push_str("<a href=\"/inner\">inner</a>");
        out.push_str(&close.repeat(times));
        out.push_str("<a href=\"/after\">after</a>\n");
        3
    };
    let lines = match name {
        "deep" => nest("<div>", "</div>", 100_000),
        "misnested" => nest("<b><div>", "</b></div>", 50_000),
        _ => {
            for i in 0..1_000_000 {
                out.push_str(&format!("<a href={i}></a>"));
            }
            1_000_001
        }
    };
    (out, lines)
}

/// An ordinary page (the front page's layout) of exactly `size` bytes, padded with a
/// comment: what a page of that size costs when it is not hostile.
pub fn ordinary(size: usize) -> String {
    let mut rng = Rng::new(7);
    let mut out = String::with_capacity(size + 64 * 1024);
    front_page(&mut rng, &mut out, size.saturating_sub(48 * 1024));
    let mut out = out.replace(MARK, "0");
    while out.len() > size.saturating_sub(8) {
        // Generated past the size: drop whole cards from the end of the stream.
        let cut = out[..out.len() - 1].rfind("\n<").unwrap_or(0);
        out.truncate(cut);
    }
    out.push_str("<!--");
    out.push_str(&" ".repeat(size - out.len() - 3));
    out.push_str("-->");
    out
}

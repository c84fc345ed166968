"""Test pages for the link-extractor / Chromium differential test.

Each case: dict(id, group, desc, body: bytes, ctype: str, path: str (URL path+query the page
is fetched at; default /d1/d2/ID.html?pq=1)).
"""

CASES = []
_ids = set()


def attr(s):
    """Quote a literal href value for a double-quoted attribute."""
    return s.replace("&", "&amp;").replace('"', "&quot;")


def add(cid, group, desc, body, ctype="text/html", path=None, chrome_timeout_s=None):
    """chrome_timeout_s: how long Chromium may take to load the page (default 30 s)."""
    assert cid not in _ids, cid
    _ids.add(cid)
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    CASES.append(dict(id=cid, group=group, desc=desc, body=body, ctype=ctype,
                      path=path or "/d1/d2/%s.html?pq=1" % cid, chrome_timeout_s=chrome_timeout_s))


def page(links_html, head="", meta='<meta charset="utf-8">', doctype="<!DOCTYPE html>"):
    return "%s<html><head>%s%s<title>t</title></head><body>\n%s\n</body></html>\n" % (
        doctype, meta, head, links_html)


def one(href_html):
    return '<a href="%s">x</a>' % href_html


# ---------------------------------------------------------------- URL edge cases
URL_HREFS = [
    # whitespace
    " /ws1 ", "\t/ws2\tb\n", "\n/ws3\nb\r", "/ws4\r\nb", "\x0c/ws5\x0cb", "/ws6\x0bb", "\x0b/ws7",
    "/ws8\x01b", "\x01/ws9", "/ws10\x7fb", "\x7f/ws11", " http://Example.com/ws12 ",
    "http://exa\tmple.com/ws13", "http://exa\nmple.com/ws14", "ht\ttp://example.com/ws15",
    "\u00a0/ws16", "/ws17\u00a0", "\u3000/ws18", "/ws19\u2028b", "/ws20\ufeffb", "\ufeff/ws21",
    "/ws22 ?a b#c d", "\x1f\x1e/ws23\x1f", "http://example.com/ws24 ",
    # backslashes
    "\\bs1\\b", "\\\\host\\bs2", "http:\\\\example.com\\bs3", "/bs4/a\\..\\b", "http://example.com\\@evil.com/bs5",
    "/bs6?a\\b", "/bs7#a\\b", "\\/bs8", "/\\bs9", "http:/\\example.com/bs10", "https:\\\\EXAMPLE.com/bs11",
    # dot segments
    "./dot1", "../dot2", "../../../../dot3", "/dot4/./b", "/dot5/../b", "/dot6/%2e/b", "/dot7/%2e%2e/b",
    "/dot8/%2E%2e/b", "/dot9/.%2e/b", "/dot10/%2e./b", "/dot11/..", "/dot12/.", "/dot13/%2e",
    "/dot14/%2e%2e", "/dot15/...", "/dot16/.../b", "/dot17/..%2f/b", "/dot18/b/..?x", "/dot19/b/..#x",
    "http://example.com/dot20/../../../b", "..", ".", "%2e%2e/dot23", "/dot24/..\t/b", "/dot25/.\n./b",
    "/dot26/%2E%2e/../b", "dot27/%2e", "/dot28/.?q", "/dot29/..;/b", "/dot30/.%2E", "/dot31/%2e%2E/",
    "/dot32/ ../b", "/dot33/..\\b", "/dot34/.%252e/b", "//example.com/dot35/../..", "/dot36//../b",
    # authority forms
    "//example.com", "//example.com/au2", "///au3", "////au4", "///example.com/au5", "http:au6",
    "http:/au7", "http:example.com/au8", "https:au9", "HTTP:au10", "http:/\\example.com/au11",
    "HTTP://EXAMPLE.COM:80/", "https://EXAMPLE.com:443/au13", "http://example.com:0/au14",
    "http://example.com:443/au15", "https://example.com:80/au16", "http://example.com:65535/au17",
    "http://example.com:65536/au18", "http://example.com:/au19", "http://example.com:00080/au20",
    "http://example.com:8a/au21", "http://example.com:-1/au22", "http://example.com:+80/au23",
    "http://example.com.:80/au24", "http://example.com./au25", "http://example.com../au26",
    "http://.example.com/au27", "http://exa..mple.com/au28", "http://example.com?au29", "http://example.com#au30",
    "http://example.com", "http://", "http:///example.com/au33", "http://:80/au34", "http://a:b@/au35",
    "http:?au36", "http:#au37", "http:", "https:", "http://example.com/?", "http://example.com/#",
    "http://example.com/?#", "//", "///", "http://example.com:８０/au45", "http://example.com: 80/au46",
    "http://example.com:0080/au47", "https://example.com:00443/au48", "http://example.com:4294967377/au49",
    "http://example.com:99999999999999999999/au50", "//127.0.0.1:0/au51", "http://a%3A80/au52",
    "https:/example.com/au53", "https:///example.com/au54", "Https://Example.COM/Au55",
    # IPv4
    "http://0x7f.1/", "http://127.1/", "http://1.2.3.4.5/", "http://999999999/", "http://0x7f000001/",
    "http://017700000001/", "http://127.0.0.1./", "http://127.0.0.0x1/", "http://4294967295/",
    "http://4294967296/", "http://256.256.256.256/", "http://1.2.3.256/", "http://0x100000000/",
    "http://08/", "http://09.1/", "http://0/", "http://1.2.3/", "http://1.2.3.4x/", "http://1.2.3.4.x/",
    "http://1.2.3.09/", "http://0x/", "http://0xg/", "http://1.0x/", "http://foo.0x4/", "http://foo.09/",
    "http://foo.1/", "http://%31%32%37.1/", "http://\uff11\uff12\uff17.0.0.1/", "http://1.2.3.4../",
    "http://0X7F.0.0.1/", "http://00000000000000000000000000177.1/", "http://0x0000000000000000000007f.1/",
    "http://1..2/", "http://.1.2.3.4/", "http://1.2.3.4.5.6.7/", "http://256/", "http://255.255.255.255/",
    "http://0.0.0.0/", "http://1.2.3.4%2e/", "http://1.2.3.4\u3002/", "http://one.1.1/", "http://1.1.one/",
    "http://1.2.3.4:80/", "http://012.034.056.078/", "http://0xffffffff/", "http://0xfffffffff/",
    "http://2130706433./", "http://-1/", "http://1.2.3.-4/", "http://1e1/", "http://0x1.0x2.0x3.0x4/",
    # IPv6
    "http://[::1]/", "http://[0:0::1]/", "http://[::ffff:1.2.3.4]/", "http://[::FFFF:1.2.3.4]:80/",
    "http://[1:0:0:0:0:0:0:1]/", "http://[1:0:0:2:0:0:0:1]/", "http://[0:0:0:0:0:0:0:0]/", "http://[::1.2.3.4]/",
    "http://[1::2::3]/", "http://[::1]x/", "http://[::1", "http://[::1]:8080/", "http://[fe80::1%25eth0]/",
    "http://[::%31]/", "http://[2001:DB8::]/", "http://[::127.0.0.1.1]/", "http://[:1]/",
    "http://[1:2:3:4:5:6:7:8:9]/", "http://[::1.2.3]/", "http://[v1.x]/", "http://[1:2:3:4:5:6:7:8]/",
    "http://[1:2:3:4:5:6:1.2.3.4]/", "http://[1:2::7:8]:443/", "https://[::1]:443/", "http://[::0.0.0.1]/",
    "http://[0::0:1:0:0:0]/", "http://[1:0:0:0:2:0:0:0]/", "http://[ ::1]/", "http://[::1 ]/",
    "http://[::01.2.3.4]/", "http://[::1.2.3.04]/", "http://[00001::]/", "http://[::1]./", "http://[::1]:/",
    "http://[::1.2.3.4x]/", "http://[::ffff:0x7f.1]/", "http://[a:b]/", "http://[::a:b:c:d:e:f:1]/",
    "http://[::\uff11]/",
    # IDN
    "http://b\u00fccher.de/", "http://xn--bcher-kva.de/", "http://B\u00dcCHER.DE/", "http://\U0001F600.com/",
    "http://a\uff0eb\uff0ec/", "http://a\u3002b/", "http://ex\u00adample.com/", "http://a\u200db.com/",
    "http://a\u200cb.com/", "http://ex%41mple.com/", "http://a%2Fb.com/", "http://ex%2541mple.com/",
    "http://fa\u00df.de/", "http://\u03a3\u0391\u03a3.gr/", "http://\u0130.com/", "http://\u01c5.com/",
    "http://xn--/", "http://xn--a.com/", "http://xn--ls8h.la/", "http://a.b.c.d-.com/", "http://-a.com/",
    "http://a_b.com/", "http://a..b/", "http://\ufb00.com/", "http://\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com/",
    "http://example.com\u3002/", "http://\u65e5\u672c.jp/", "http://xn--wgv71a.jp/",
    "http://\u0661\u0662\u0663.com/", "http://a\u0301.com/", "http://\u0301a.com/", "http://\ufffd.com/",
    "http://a\u2024b/", "http://%e2%98%83.com/", "http://%ff.com/", "http://a%00b/",
    "http://xn--bcher-kva.de./", "http://www.\uff27\uff2f\uff2f\uff27\uff2c\uff25.com/", "http://\u2603.net/",
    "http://\uff21.com/", "http://a\u180eb.com/", "http://\u0080.com/", "http://a\u2060b.com/",
    "http://XN--BCHER-KVA.de/", "http://xn--bcher-kva.xn--bcher-kva.de/", "http://b\u00fccher.xn--bcher-kva.de/",
    "http://ab--c.com/", "http://xn--ab--c.com/", "http://\u00e9.xn--/", "http://a\u00b7b.com/",
    "http://\u0627\u0628c.com/", "http://a.\u05d0/", "http://\u0644\u0627.com/", "http://\u1100\u1161.com/",
    "http://\u3131.com/", "http://\u2488.com/", "http://\u2474.com/", "http://\u33c5.com/", "http://\u00bd.com/",
    "http://a\ufe52b/", "http://a\uff61b/", "http://\ud55c\uad6d.kr/", "http://\u0aa0\u0acd\u200d.com/",
    "http://xn--53h.net/", "http://xn--zca.de/", "http://xn--fa-hia.de/", "http://\u00e0\u0300.com/",
    "http://" + "a" * 64 + ".com/", "http://" + "\u00fc" * 70 + ".com/", "http://" + ("a" * 63 + ".") * 4 + "com/",
    "http://\u0378.com/", "http://\U000e0001.com/", "http://\ue000.com/", "http://a\u200bb.com/",
    "http://\u03c2.gr/", "http://\u03a3.gr/", "http://%C3%BC.de/", "http://%c3%9c.de/", "http://xn--tda.com/",
    "http://\u1e9e.de/", "http://\u2126.com/", "http://K.com/", "http://\u212a.com/",
    # forbidden host code points (more in the per-character loop)
    "http://a b/", "http://a<b/", "http://a^b/", "http://a|b/", "http://a%20b/", "http://a%3Cb/",
    "http://a%7Cb/", "http://a%25b/", "http://a:b:c/", "http://a%/", "http://a%zz/", "http://a%2/",
    "http://%/", "http://a%2eb/", "http://a%2Eb.com/", "http://%5B::1%5D/", "http://a%3Ab/",
    # userinfo
    "http://user:pa ss@host/", "http://@host/", "http://:@host/", "http://user@host/", "http://user:@host/",
    "http://:pass@host/", "http://us er@host/", "http://a@b@host/", "http://a:b:c@host/",
    "http://\u00fc:\u00f6@host/", "http://%40@host/", "http://a%3Ab@host/", "http://user:pass@/",
    'http://a"b@host/', "http://a<b@host/", "http://a`b@host/", "http://a{b@host/", "http://a'b@host/",
    "http://a#b@host/", "http://a?b@host/", "http://a/b@host/", "http://a\\b@host/", "http://us\ter@host/",
    "http://a%zz@host/", "http://a%@host/", "http://@@host/", "http://a:@@host/", "http://::@host/",
    "http://a:b@host:80/", "https://a:b@host:443/", "http://user:pass@HOST/", "http://a;b=c@host/",
    "http://a\u0000b@host/",
    # percent signs
    "/pct1%zzb", "/pct2%b", "/pct3%", "/%", "/pct5?%", "/pct6#%", "/pct7%2", "/pct8?a%zz", "/pct9#a%zz",
    "/pct10%25", "/%41%42pct11", "/pct12%c3%a9", "/pct13%C3%A9", "/pct14?%c3%a9", "/pct15%%", "/pct16%%41",
    "/pct17?%%41", "/pct18%ff", "/pct19?%G0", "/pct20%2", "/pct21%2f", "/pct22%00", "/pct23%0a",
    # empty and special
    "", "#", "?", "?#", "#frag", "?q", "/", "?q#", "#?", "##", "#a#b", "#a b", "?a?b", "?a#b#c",
    "javascript:alert(1)", "JAVASCRIPT:x", "mailto:a@b", "data:text/html,<a>", "file:///etc/passwd",
    "file://host/x", "blob:http://example.com/uuid", "foo:bar", "foo://bar/baz", "web+foo:x",
    "HTTPS://EXAMPLE.COM", "http+x://a", "ftp://example.com/", "ws://example.com/", "wss://x", "about:blank",
    "tel:+1", "view-source:http://x/", "h ttp://x/", " javascript:x", "ja\tvascript:x", "https://", "https:/\\/x",
    "HtTp://ExAmPlE.cOm/MiXeD", "http://example.com/ \t", "  ", "\t", "\n#nl", "ht%74p://x/", "1http://x/",
    "http1://x/", "-http://x/", "h.ttp://x/", "c:/windows", "C|/x", "c:\\x", "//c:/x", "httpx:y",
    "http://example.com/a?b#c?d#e", "http://example.com/%7e%7E~", "http://example.com/%41/%a/",
]
for i, h in enumerate(URL_HREFS):
    add("u%03d" % i, "url", "href=%r" % h, page(one(attr(h))))

# long hrefs
add("long1", "url-long", "path of 10000 'a'", page(one("/" + "a" * 10000)))
add("long2", "url-long", "query of 70000 chars", page(one("/long2?" + "q=" + "x" * 70000)))
add("long3", "url-long", "absolute URL of 2.1 MB", page(one("http://example.com/" + "b" * 2100000)))
add("long4", "url-long", "fragment of 100000 chars with spaces", page(one("/long4#" + "f " * 50000)))
add("long5", "url-long", "path with 3000 ../ segments", page(one("/long5/" + "../" * 3000 + "x")))
add("long6", "url-long", "host label of 255 'a'", page(one("http://" + "a" * 255 + "/")))

# page URL with a fragment: "" / "#x" / "?y" relative to it
for i, h in enumerate(["", "#x", "?y", "z", "#", ".", "?"]):
    add("pf%d" % i, "url-pagefrag", "page URL has #pf; href=%r" % h, page(one(attr(h))),
        path="/d1/d2/pf%d.html?pq=1#pf" % i)

# ---------------------------------------------------------------- per character
CHARS = [chr(c) for c in range(0x20, 0x7f)] + [chr(c) for c in range(0x01, 0x20)] + ["\x7f"] + [
    "\u00e9", "\u00fc", "\u20ac", "\u65e5", "\U0001F600", "\u00a0", "\u0080", "\u009f", "\ufffd", "\ufeff",
    "\u200b", "\u2028", "\ue000", "\ufdd0", "\uffff", "\U0010FFFF", "\u0300", "\u00ad", "\u2060", "\u3000"]
for c in CHARS:
    h = "/p%sq?a%sb#f%sg" % (c, c, c)
    add("c%04x" % ord(c), "char", "href=%r" % h, page(one(attr(h))))
    h = "http://u%sv:p%sq@h.example/" % (c, c)
    add("ui%04x" % ord(c), "char-userinfo", "href=%r" % h, page(one(attr(h))))
    if c.isascii():
        h = "http://a%sb/" % c
        add("h%04x" % ord(c), "char-host", "href=%r" % h, page(one(attr(h))))
# lone surrogate via character reference
add("csurr", "char", "href=/p&#xD800;q?a&#xDFFF;b#f&#xD800;g", page(one("/p&#xD800;q?a&#xDFFF;b#f&#xD800;g")))
# percent-encoded host characters
for c in list(range(0x00, 0x30)) + [0x3a, 0x3c, 0x3e, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x7c, 0x7f, 0x80, 0xc3, 0xff]:
    h = "http://a%%%02Xb/" % c
    add("hp%02x" % c, "char-host-pct", "href=%r" % h, page(one(attr(h))))

# ---------------------------------------------------------------- character references / NUL
REFS = [
    "/r1?a=1&amp;b=2", "/r2?x=1&sect=2", "/r3?x=1&sectx", "/r4?x&sect y", "/r5&sect;", "/r6&#0;", "/r7&#x110000;",
    "/r8&#128;", "/r9&#x80;", "/r10&#x9F;", "/r11&#x81;", "/r12&#xD800;", "/r13&#65;", "/r14&#65z", "/r15&#x41g",
    "/r16&notit;", "/r17&notin;", "/r18&AMP;", "/r19?a&amp", "/r20?a&ampx", "/r21&lt", "/r22&LT", "/r23&copy=",
    "/r24&nbsp;", "/r25&Tab;x", "/r26&NewLine;x", "/r27&#9;x", "&#32;/r28", "&#x09;/r29", "/r30&NotANamedRef;",
    "/r31&#;", "/r32&#x;", "/r33&#000065;", "/r34&#x0000041;", "/r35&#99999999999;", "/r36&#13;x",
    "/r37?q=&eacute;", "/r38?q=&eacute", "/r39?q=&eacutex", "/r40?q=&eacute=", "/r41&quot;", "/r42&apos;",
    "/r43&#x20AC;", "/r44&euro", "/r45&#x1F600;", "/r46?&lang=en", "/r47?a=1&copy;b", "/r48?x&times=1",
    "/r49?x&para=1", "/r50?x&reg", "/r51?x&regx=1", "/r52?x&not=1", "/r53&#X41;", "/r54&#x7f;",
    "/r55&#x0c;x", "/r56&#x0b;x", "/r57&NotNestedLessLess;", "/r58&acE;", "/r59&#xFFFE;", "/r60&#x1FFFF;",
    "&#x68;ttp://example.com/r61", "http&#58;//example.com/r62", "/r63&amp;amp;", "/r64&&amp;",
]
for i, h in enumerate(REFS):
    add("ref%02d" % i, "charref", "href attribute text=%r" % h, page(one(h)))
add("nul1", "nul", "href contains raw NUL byte", page(one("/nul1\x00b")))
add("nul2", "nul", "raw NUL in tag name <a\\0 href>", page('<a\x00 href="/nul2">x</a><a href="/nul2ok">y</a>'))
add("nul3", "nul", "raw NUL in attribute name", page('<a href\x00="/nul3">x</a><a href="/nul3ok">y</a>'))
add("nul4", "nul", "raw NUL in unquoted value", page('<a href=/nul4\x00b>x</a>'))
add("nul5", "nul", "raw NUL in text before link", page('ab\x00cd<a href="/nul5">x</a>'))
add("nul6", "nul", "raw NUL in comment and in href query", page('<!-- \x00 --><a href="/nul6?q=\x00">x</a>'))

# ---------------------------------------------------------------- attribute syntax
ATTRS = [
    ('<a HREF="/at1">x</a>', "uppercase HREF"), ('<A HREF="/at2">x</A>', "uppercase A HREF"),
    ('<a hReF="/at3">x</a>', "mixed case"), ('<a href=/at4?a=1&amp;b=2>x</a>', "unquoted with &amp;"),
    ('<a href=/at5>x</a>', "unquoted ending at >"), ('<a href=/at6/>x</a>', "unquoted ending at />"),
    ('<a href=a"b/at7>x</a>', 'unquoted with "'), ('<a href = "/at8" >x</a>', "spaces around ="),
    ('<a/href="/at9">x</a>', "slash before attribute"), ('<a\nhref="/at10">x</a>', "newline before attribute"),
    ('<a href="/at11"title="y">x</a>', "no space between attributes"), ('<a href="/at12" href="/at12b">x</a>', "duplicate href"),
    ('<a href=\'/at13\'>x</a>', "single quotes"), ('<a href=">">x</a>', "href is >"),
    ('<a <a href="/at15">x</a>', "<a <a href"), ('<a href>x</a>', "href without value"),
    ('<a href="">x</a>', "empty href"), ('<a name="n">x</a><a href="/at18">y</a>', "a without href"),
    ('<link href="/at19"><a href="/at19b">x</a>', "link not counted"),
    ('<a xlink:href="/at20">x</a>', "xlink:href on HTML a"), ('<a href=`/at21`>x</a>', "backtick unquoted"),
    ('<a href=/at22\'x>x</a>', "unquoted with quote"), ('<a href=/at23=x>x</a>', "unquoted with ="),
    ('<a href=/at24<x>x</a>', "unquoted with <"), ('<a\thref\t=\t/at25\t>x</a>', "tabs"),
    ('<a href="/at26">x</a><a href="/at26">y</a><a href="/at26b">z</a>', "duplicate links"),
    ('<a href="/at27" hidden>x</a><a href="/at27b" style="display:none">y</a>', "hidden links"),
    ('<a id=x href="/at28"/>x</a>', "self-closing a"), ('<a href="/at29"', "unterminated tag at EOF"),
    ('<a href="/at30', "unterminated value at EOF"), ('<a href="/at31"\x0c>x</a>', "form feed after attr"),
    ('<AREA HREF="/at32">', "AREA uppercase"), ('<a href="/at33"><img src=x></a>', "img in link"),
    ('<a href=\'/at34"q\'>x</a>', "double quote in single-quoted"), ('<a href="/at35\'q">x</a>', "quote in value"),
    ('<a href="/at36">x</a\n>', "newline in end tag"), ('</a href="/at37">x', "end tag with href"),
    ('<a href="/at38" / >x</a>', "stray slash"), ('<a =href="/at39">x</a>', "=href attribute name"),
    ('<a "href"="/at40">x</a>', "quoted attribute name"), ('<a href=/at41&quot;>x</a>', "unquoted with &quot;"),
]
for i, (h, d) in enumerate(ATTRS):
    add("at%02d" % i, "attr-syntax", d, page(h))

# ---------------------------------------------------------------- parser structure
PARSER = [
    ("template", '<template><a href="/t1">x</a></template><a href="/t2">y</a>'),
    ("template-in-head", '</body><head><template><a href="/t3">x</a></template></head>', ),
    ("declarative-shadow-dom", '<div><template shadowrootmode="open"><a href="/t4">x</a></template></div><a href="/t5">y</a>'),
    ("svg-a-href", '<svg><a href="/s1"><text>x</text></a></svg><a href="/s2">y</a>'),
    ("svg-a-xlink", '<svg><a xlink:href="/s3"><text>x</text></a></svg><a href="/s4">y</a>'),
    ("svg-foreignObject", '<svg><foreignObject><a href="/s5">x</a></foreignObject></svg>'),
    ("svg-desc-title", '<svg><desc><a href="/s6">x</a></desc><title><a href="/s7">y</a></title></svg>'),
    ("svg-breakout-p", '<svg><p><a href="/s8">x</a></svg>'),
    ("svg-style", '<svg><style><a href="/s9">x</a></style></svg><a href="/s10">y</a>'),
    ("svg-textarea", '<svg><textarea><a href="/s11">x</a></textarea></svg><a href="/s12">y</a>'),
    ("svg-cdata", '<svg><![CDATA[<a href="/s13">]]></svg><a href="/s14">y</a>'),
    ("svg-font-color", '<svg><font color=red><a href="/s15">x</a></font></svg>'),
    ("svg-font-plain", '<svg><font><a href="/s16">x</a></font></svg>'),
    ("math-a", '<math><a href="/m1">x</a></math><a href="/m2">y</a>'),
    ("math-mi", '<math><mi><a href="/m3">x</a></mi></math>'),
    ("math-annotation-html", '<math><annotation-xml encoding="text/html"><a href="/m4">x</a></annotation-xml></math>'),
    ("math-annotation-svg", '<math><annotation-xml><svg><a href="/m5">x</a></svg></annotation-xml></math>'),
    ("math-mtext-mglyph", '<math><mtext><mglyph><a href="/m6">x</a></mglyph></mtext></math>'),
    ("noscript-body", '<noscript><a href="/n1">x</a></noscript><a href="/n2">y</a>'),
    ("noscript-nested", '<noscript><noscript><a href="/n3">x</a></noscript></noscript>'),
    ("misnested-a-p-a", '<a href="/a1"><p><a href="/a2">x</a></p></a><a href="/a3">z</a>'),
    ("misnested-a-b-a", '<a href="/a4">1<b>2<a href="/a5">3</a></b>4'),
    ("misnested-p-a-p", '<p><a href="/a6">x<p>y</a><a href="/a7">z</a>'),
    ("misnested-b-a-p", '<b><a href="/a8"><p>x</b>y</a><a href="/a9">z</a>'),
    ("misnested-a-div-a", '<a href="/a10"><div><a href="/a11">x</div>y</a>'),
    ("nested-a-a", '<a href="/a12"><a href="/a13">x</a></a>'),
    ("unclosed-a-table", '<a href="/a14">x<table><tr><td>y</td></tr></table>z<a href="/a15">w</a>'),
    ("a-in-td-closes", '<table><tr><td><a href="/a16">x</td><td>y</td></tr></table>after'),
    ("table-foster", '<table><tr><td><a href="/f1">in cell</a></td></tr><a href="/f2">stray</a></table><a href="/f3">after</a>'),
    ("table-foster-a-first", '<table><a href="/f4">x<tr><td>y</td></tr></table>text<a href="/f5">z</a>'),
    ("table-foster-nested", '<a href="/f6">0</a><table><tr><td><table><a href="/f7">x</a></table><a href="/f8">y</a></td></tr><a href="/f9">z</a></table>'),
    ("table-caption", '<table><caption><a href="/f10">c</a></caption><a href="/f11">s</a></table>'),
    ("area-no-map", '<area href="/ar1"><map><area href="/ar2"></map><area nohref><area href="">'),
    ("area-in-svg", '<svg><area href="/ar3"></svg><a href="/ar4">y</a>'),
    ("textarea", '<textarea><a href="/rt1"></textarea><a href="/rt2">y</a>'),
    ("title-in-body", '<title><a href="/rt3"></title><a href="/rt4">y</a>'),
    ("xmp", '<xmp><a href="/rt5"></xmp><a href="/rt6">y</a>'),
    ("iframe", '<iframe><a href="/rt7"></iframe><a href="/rt8">y</a>'),
    ("iframe-srcdoc", '<iframe srcdoc="<a href=/rt9>x</a>"></iframe><a href="/rt10">y</a>'),
    ("noembed", '<noembed><a href="/rt11"></noembed><a href="/rt12">y</a>'),
    ("noframes", '<noframes><a href="/rt13"></noframes><a href="/rt14">y</a>'),
    ("plaintext", '<a href="/rt15">y</a><plaintext><a href="/rt16">'),
    ("comments", '<!-- <a href="/cm1"> --><!--> <a href="/cm2">x</a><!---> <a href="/cm3">y</a><!-- --!> <a href="/cm4">z</a><!-- -- > <a href="/cm5"> -->'),
    ("bogus-comments", '<? <a href="/cm6"> ?><![CDATA[<a href="/cm7">]]><a href="/cm8">x</a></ <a href="/cm9">y</a>'),
    ("comment-unclosed", '<a href="/cm10">x</a><!-- <a href="/cm11">'),
    ("script", '<script><a href="/sc1"></script><a href="/sc2">y</a><script><!--<script></script><a href="/sc3"></script>--></script><a href="/sc4">w</a>'),
    ("script-escaped", '<script><!--<script><a href="/sc5"></script>--></script><a href="/sc6">w</a>'),
    ("style", '<style><a href="/st1"></style><a href="/st2">y</a>'),
    ("select", '<select><a href="/se1">x</a><option><a href="/se2">o</a></option></select><a href="/se3">y</a>'),
    ("select-optgroup", '<select><optgroup><option><a href="/se4">o</a></optgroup></select>'),
    ("option-outside", '<option><a href="/se5">o</a></option>'),
    ("select-in-table", '<table><tr><td><select><a href="/se6">x</a></select></td></tr></table>'),
    ("object", '<object><a href="/ob1">x</a></object><video><a href="/ob2">v</a></video><audio><a href="/ob3">a</a></audio>'),
    ("frameset", '</body><frameset><a href="/fr1">x</a></frameset>'),
    ("a-in-head", '</body></html>', ),
    ("after-html", '</body></html><a href="/ah1">x</a>'),
    ("form-button", '<form><button><a href="/fb1">x</a></button></form>'),
    ("a-in-template-in-a", '<a href="/tp1"><template><a href="/tp2">x</a></template></a>'),
    ("image-tag", '<image src=x><a href="/im1">x</a>'),
    ("ruby-li-dd", '<ul><li><a href="/li1">x<li>y</a></ul><dl><dd><a href="/li2">z<dt>w</dl>'),
    ("marquee-applet", '<marquee><a href="/mq1">x</marquee>y<applet><a href="/mq2">z</applet>'),
    ("heading-nested", '<h1><a href="/hd1">x<h2>y</a></h2>'),
    ("nobr", '<nobr><a href="/nb1">x<nobr>y</a>'),
    ("button-in-a", '<a href="/bt1"><button><a href="/bt2">x</a></button></a>'),
    ("search-dialog", '<search><a href="/sd1">x</a></search><dialog><a href="/sd2">y</a></dialog><details><a href="/sd3">z</a></details>'),
    ("many-formatting", '<a href="/fm1"><b><i><u><s><em><p>x</a>y'),
    ("table-in-a-foster-clones", '<a href="/fc1"><table><tr><td>1</td></tr>stray</table>after'),
]
for i, (d, h) in enumerate(PARSER):
    add("ps%02d" % i, "parser", d, page(h))
add("ps-headnoscript", "parser", "<noscript><a> in <head>",
    '<!DOCTYPE html><html><head><meta charset="utf-8"><noscript><a href="/hn1">x</a></noscript></head><body><a href="/hn2">y</a></body></html>')
add("ps-head-a", "parser", "<a> in <head>",
    '<!DOCTYPE html><html><head><meta charset="utf-8"><a href="/ha1">x</a><title>t</title></head><body><a href="/ha2">y</a></body></html>')
add("ps-quirks", "parser", "no doctype, table/p quirks", '<html><head><meta charset="utf-8"></head><body><p><table><a href="/qk1">x</a><tr><td><a href="/qk2">y</a></table>')
add("ps-frameset-first", "parser", "frameset document", '<!DOCTYPE html><html><head><meta charset="utf-8"></head><frameset><frame src=x></frameset><a href="/fr2">x</a></html>')

# ---------------------------------------------------------------- <base>
LINKS_FOR_BASE = ["", "#f", "?q", "x", "./y/../z", "/abs", "//h.example/p", "http://a.example/q", "../up", "%2e%2e/pe"]


def base_links():
    return "".join('<a href="%s">%d</a>' % (attr(h), i) for i, h in enumerate(LINKS_FOR_BASE))


BASES = [
    ("relative base 'sub/'", '<base href="sub/">'),
    ("path-only base '/only/path/'", '<base href="/only/path/">'),
    ("base '//other.example/x/'", '<base href="//other.example/x/">'),
    ("base with query and fragment", '<base href="http://b.example/dir/f?bq#bf">'),
    ("base fails to parse 'http://[::1/'", '<base href="http://[::1/">'),
    ("base 'http://a b/' (Chromium accepts space host)", '<base href="http://a b/">'),
    ("data: base", '<base href="data:text/html,x">'),
    ("javascript: base", '<base href="javascript:void(0)">'),
    ("mailto: base", '<base href="mailto:x@y">'),
    ("custom scheme base foo://bar/baz/", '<base href="foo://bar/baz/">'),
    ("file: base", '<base href="file:///tmp/x/">'),
    ("two bases", '<base href="http://first.example/a/"><base href="http://second.example/b/">'),
    ("base without href then base with href", '<base target="_top"><base href="http://second.example/c/">'),
    ("base with whitespace", '<base href="  http://b.example/ws/  ">'),
    ("base with empty href", '<base href="">'),
    ("base with dots and default port", '<base href="HTTP://B.EXAMPLE:80/a/../b/./">'),
    ("base without trailing slash", '<base href="http://b.example">'),
    ("base https:foo/", '<base href="https:foo/">'),
    ("base '../'", '<base href="../">'),
    ("base '?bq'", '<base href="?bq">'),
    ("base '#bf'", '<base href="#bf">'),
    ("base with tab inside", '<base href="http://b.exa\tmple/t/">'),
    ("base uppercase tag", '<BASE HREF="http://upper.example/u/">'),
    ("base with &amp;", '<base href="http://b.example/?a=1&amp;b=2">'),
    ("base IDN host", '<base href="http://b\u00fccher.example/i/">'),
    ("base backslashes", '<base href="http:\\\\b.example\\bs\\">'),
    ("base http:/x", '<base href="http:/x/y/">'),
    ("base with userinfo", '<base href="http://u:p@b.example/ui/">'),
    ("base file:// with host", '<base href="file://host/share/">'),
    ("base about:blank", '<base href="about:blank">'),
    ("base //", '<base href="//">'),
    ("base with percent-encoded dots", '<base href="http://b.example/a/%2e%2e/b/%2E/">'),
    ("base ws:", '<base href="ws://b.example/w/">'),
    ("base javascript: then valid", '<base href="javascript:x"><base href="http://second.example/j/">'),
    ("base invalid then valid", '<base href="http://[/"><base href="http://second.example/k/">'),
]
for i, (d, b) in enumerate(BASES):
    add("b%02d" % i, "base", d, page(base_links(), head=b))

BASE_PLACE = [
    ("base inside <svg> in body", "", '<svg><base href="http://svg.example/"/></svg>' + "%LINKS%"),
    ("base in <template>", '<template><base href="http://tpl.example/"></template>', "%LINKS%"),
    ("base in <noscript> in head", '<noscript><base href="http://ns.example/"></noscript>', "%LINKS%"),
    ("base in <noscript> in body", "", '<noscript><base href="http://nsb.example/"></noscript>%LINKS%'),
    ("base in body after links", "", '%LINKS%<base href="http://body.example/z/">'),
    ("base in body", "", '<p>x</p><base href="http://body2.example/z/">%LINKS%'),
    ("base inside <math>", "", '<math><base href="http://math.example/"/></math>%LINKS%'),
    ("base inside <textarea>", "", '<textarea><base href="http://ta.example/"></textarea>%LINKS%'),
    ("base inside comment", '<!-- <base href="http://cm.example/"> -->', "%LINKS%"),
    ("base inside <svg><foreignObject>", "", '<svg><foreignObject><base href="http://fo.example/"></foreignObject></svg>%LINKS%'),
    ("base after </html>", "", '%LINKS%</body></html><base href="http://after.example/">'),
    ("base in <template> then real base", '<template><base href="http://tpl.example/"></template><base href="http://real.example/r/">', "%LINKS%"),
    ("svg base then html base", "", '<svg><base href="http://svg.example/"/></svg><base href="http://html.example/h/">%LINKS%'),
    ("base inside <noscript> in head then another", '<noscript><base href="http://ns.example/1/"></noscript><base href="http://second.example/2/">', "%LINKS%"),
    ("base in iframe srcdoc", "", '<iframe srcdoc="<base href=http://if.example/>"></iframe>%LINKS%'),
    ("base inside <select>", "", '<select><base href="http://sel.example/"></select>%LINKS%'),
]
for i, (d, head, body) in enumerate(BASE_PLACE):
    add("bp%02d" % i, "base-place", d, page(body.replace("%LINKS%", base_links()), head=head))

# ---------------------------------------------------------------- charsets
# per encoding: label, python codec, in-encoding characters (literal in the page), overrides for bytes,
# characters not in the encoding (written as &#x...; references), sample text.
ENCODINGS = [
    ("windows-1252", "cp1252", "\u00e9\u00fc\u20ac\u0152\u2030\u00ff\u00df", {}, "\u65e5\u0100\U0001F600",
     "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve fa\u00e7ade, \u20ac5 \u2014 \u201cquotes\u201d, se\u00f1or, gar\u00e7on, \u00e0 la carte."),
    ("iso-8859-2", "iso8859_2", "\u0142\u0150\u017e\u00e4\u010c", {}, "\u20ac\u65e5",
     "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144. P\u0159\u00edli\u0161 \u017elu\u0165ou\u010dk\u00fd k\u016f\u0148 \u00fap\u011bl \u010f\u00e1belsk\u00e9 \u00f3dy."),
    ("shift_jis", "cp932", "\u65e5\u672c\uff71\uff5e\u30fb\u2460", {"\u301c": b"\x81\x60"}, "\u00e9\U0001F600\u00a5\u203e\u2212",
     "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002\u3053\u308c\u306f\u6587\u5b57\u30b3\u30fc\u30c9\u306e\u30c6\u30b9\u30c8\u306e\u305f\u3081\u306e\u30da\u30fc\u30b8\u3067\u3059\u3002\u6771\u4eac\u90fd\u3001\u5927\u962a\u5e9c\u3002"),
    ("euc-jp", "euc_jp", "\u65e5\u672c\uff71\u00e9", {}, "\U0001F600\u00a5\u2212",
     "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002\u3053\u308c\u306f\u6587\u5b57\u30b3\u30fc\u30c9\u306e\u30c6\u30b9\u30c8\u306e\u305f\u3081\u306e\u30da\u30fc\u30b8\u3067\u3059\u3002\u6771\u4eac\u90fd\u3001\u5927\u962a\u5e9c\u3002"),
    ("gbk", "gbk", "\u4e2d\u6587\u20ac\u00e9\u00b7", {"\u20ac": b"\x80"}, "\U0001F600\u20a9",
     "\u4e2d\u6587\u7f51\u9875\u6d4b\u8bd5\u3002\u8fd9\u662f\u4e00\u4e2a\u7528\u4e8e\u6d4b\u8bd5\u5b57\u7b26\u7f16\u7801\u7684\u9875\u9762\u3002\u5317\u4eac\u5e02\uff0c\u4e0a\u6d77\u5e02\u3002"),
    ("gb2312", "gbk", "\u4e2d\u6587\u20ac", {"\u20ac": b"\x80"}, "\U0001F600",
     "\u4e2d\u6587\u7f51\u9875\u6d4b\u8bd5\u3002\u8fd9\u662f\u4e00\u4e2a\u7528\u4e8e\u6d4b\u8bd5\u5b57\u7b26\u7f16\u7801\u7684\u9875\u9762\u3002\u5317\u4eac\u5e02\uff0c\u4e0a\u6d77\u5e02\u3002"),
    ("gb18030", "gb18030", "\u4e2d\u6587\U0001F600\u00e9", {}, "",
     "\u4e2d\u6587\u7f51\u9875\u6d4b\u8bd5\u3002\u8fd9\u662f\u4e00\u4e2a\u7528\u4e8e\u6d4b\u8bd5\u5b57\u7b26\u7f16\u7801\u7684\u9875\u9762\u3002\u5317\u4eac\u5e02\uff0c\u4e0a\u6d77\u5e02\u3002"),
    ("big5", "big5hkscs", "\u4e2d\u6587\u7881\u00ca", {}, "\U0001F600\u00e9",
     "\u4e2d\u6587\u7db2\u9801\u6e2c\u8a66\u3002\u9019\u662f\u4e00\u500b\u7528\u65bc\u6e2c\u8a66\u5b57\u5143\u7de8\u78bc\u7684\u9801\u9762\u3002\u81fa\u5317\u5e02\uff0c\u9ad8\u96c4\u5e02\u3002"),
    ("koi8-r", "koi8_r", "\u041f\u0440\u0438\u0432\u0435\u0442", {}, "\u00e9\u0457",
     "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u042d\u0442\u043e \u0442\u0435\u0441\u0442\u043e\u0432\u0430\u044f \u0441\u0442\u0440\u0430\u043d\u0438\u0446\u0430 \u0434\u043b\u044f \u043f\u0440\u043e\u0432\u0435\u0440\u043a\u0438 \u043a\u043e\u0434\u0438\u0440\u043e\u0432\u043a\u0438. \u041c\u043e\u0441\u043a\u0432\u0430."),
    ("windows-1251", "cp1251", "\u041f\u0440\u0438\u0432\u0435\u0442\u0457", {}, "\u00e9",
     "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u042d\u0442\u043e \u0442\u0435\u0441\u0442\u043e\u0432\u0430\u044f \u0441\u0442\u0440\u0430\u043d\u0438\u0446\u0430 \u0434\u043b\u044f \u043f\u0440\u043e\u0432\u0435\u0440\u043a\u0438 \u043a\u043e\u0434\u0438\u0440\u043e\u0432\u043a\u0438. \u041c\u043e\u0441\u043a\u0432\u0430."),
    ("euc-kr", "euc_kr", "\ud55c\uad6d\uc5b4", {}, "\U0001F600\u00e9",
     "\ud55c\uad6d\uc5b4 \uc6f9 \ud398\uc774\uc9c0 \ud14c\uc2a4\ud2b8\uc785\ub2c8\ub2e4. \uc774\uac83\uc740 \ubb38\uc790 \uc778\ucf54\ub529 \ud14c\uc2a4\ud2b8\ub97c \uc704\ud55c \ud398\uc774\uc9c0\uc785\ub2c8\ub2e4. \uc11c\uc6b8\ud2b9\ubcc4\uc2dc."),
    ("iso-8859-7", "iso8859_7", "\u03b1\u03b2\u0393", {}, "\u00e9",
     "\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 \u03ba\u03cc\u03c3\u03bc\u03b5! \u0391\u03c5\u03c4\u03ae \u03b5\u03af\u03bd\u03b1\u03b9 \u03bc\u03b9\u03b1 \u03b4\u03bf\u03ba\u03b9\u03bc\u03b1\u03c3\u03c4\u03b9\u03ba\u03ae \u03c3\u03b5\u03bb\u03af\u03b4\u03b1."),
    ("windows-1255", "cp1255", "\u05d0\u05d1\u05d2", {}, "\u00e9",
     "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd! \u05d6\u05d4\u05d5 \u05d3\u05e3 \u05d1\u05d3\u05d9\u05e7\u05d4 \u05e9\u05dc \u05e7\u05d9\u05d3\u05d5\u05d3 \u05ea\u05d5\u05d5\u05d9\u05dd."),
]


def enc_text(s, codec, overrides):
    out = bytearray()
    for ch in s:
        if ch in overrides:
            out += overrides[ch]
        else:
            out += ch.encode(codec)
    return bytes(out)


def charset_links(chars_in, chars_out):
    links = ['<a href="/ascii?q=a">a</a>']
    for i, ch in enumerate(chars_in):
        links.append('<a href="/in%d/%s?q=%s#f%s">i</a>' % (i, ch, ch, ch))
        links.append('<a href="http://example.com/abs%d/%s?q=%s&amp;r=%s#%s">a</a>' % (i, ch, ch, ch, ch))
        links.append('<a href="/ref%d?q=&#x%X;">r</a>' % (i, ord(ch)))
    for i, ch in enumerate(chars_out):
        links.append('<a href="/out%d/&#x%X;?q=&#x%X;#f&#x%X;">o</a>' % (i, ord(ch), ord(ch), ord(ch)))
    links.append('<a href="/pct?q=%E9%A0&amp;r=%zz">p</a>')
    links.append('<a href="?only=\u00a7">s</a>' if "\u00a7" in chars_in else '<a href="?only=x">s</a>')
    return "\n".join(links)


def charset_page(head_decl, chars_in, chars_out, sample, doctype="<!DOCTYPE html>"):
    return "%s<html><head>%s<title>t</title></head><body>\n<p>%s</p>\n%s\n<p>%s</p>\n</body></html>\n" % (
        doctype, head_decl, sample, charset_links(chars_in, chars_out), sample)


for label, codec, cin, over, cout, sample in ENCODINGS:
    slug = label.replace("_", "").replace("-", "")
    variants = [
        ("header", "text/html; charset=%s" % label, ""),
        ("meta", "text/html", '<meta charset="%s">' % label),
        ("httpequiv", "text/html", '<meta http-equiv="Content-Type" content="text/html; charset=%s">' % label),
        ("undeclared", "text/html", ""),
    ]
    for vname, ctype, decl in variants:
        body = enc_text(charset_page(decl, cin, cout, sample), codec, over)
        add("cs-%s-%s" % (slug, vname), "charset", "%s declared by %s" % (label, vname), body, ctype=ctype)

U = "\u00e9\u65e5\U0001F600\u00a7"
SAMPLE_U = "Caf\u00e9 \u65e5\u672c\u8a9e \u041f\u0440\u0438\u0432\u0435\u0442 \U0001F600"


def upage(decl=""):
    return charset_page(decl, U, "", SAMPLE_U)


for bom_name, codec, bom in [("utf16le", "utf-16-le", b"\xff\xfe"), ("utf16be", "utf-16-be", b"\xfe\xff")]:
    add("cs-%s-bom" % bom_name, "charset", "%s with BOM, no declaration" % bom_name, bom + upage().encode(codec))
    add("cs-%s-bom-vs-header" % bom_name, "charset", "%s BOM, header says windows-1252" % bom_name,
        bom + upage().encode(codec), ctype="text/html; charset=windows-1252")
    add("cs-%s-bom-vs-meta" % bom_name, "charset", "%s BOM, meta says shift_jis" % bom_name,
        bom + upage('<meta charset="shift_jis">').encode(codec))
add("cs-utf16le-header-nobom", "charset", "UTF-16LE by header, no BOM", upage().encode("utf-16-le"),
    ctype="text/html; charset=utf-16le")
add("cs-utf16-header-nobom", "charset", "'utf-16' by header, no BOM (LE bytes)", upage().encode("utf-16-le"),
    ctype="text/html; charset=utf-16")
add("cs-utf16be-header-nobom", "charset", "UTF-16BE by header, no BOM", upage().encode("utf-16-be"),
    ctype="text/html; charset=utf-16be")
add("cs-utf8-bom", "charset", "UTF-8 with BOM, undeclared", b"\xef\xbb\xbf" + upage().encode())
add("cs-utf8-bom-vs-header", "charset", "UTF-8 BOM, header windows-1252", b"\xef\xbb\xbf" + upage().encode(),
    ctype="text/html; charset=windows-1252")
add("cs-utf8-bom-vs-header-sjis", "charset", "UTF-8 BOM, header shift_jis", b"\xef\xbb\xbf" + upage().encode(),
    ctype="text/html; charset=shift_jis")
add("cs-utf8-header", "charset", "UTF-8 by header", upage().encode(), ctype="text/html; charset=utf-8")
add("cs-utf8-meta", "charset", "UTF-8 by meta", upage('<meta charset="utf-8">').encode())
add("cs-utf8-undeclared", "charset", "UTF-8 bytes, undeclared", upage().encode())
add("cs-utf8-meta-after-1024", "charset", "UTF-8, <meta charset=utf-8> after byte 1024",
    upage("<!-- " + "x" * 1100 + ' --><meta charset="utf-8">').encode())
add("cs-utf8-meta-at-1000", "charset", "UTF-8, <meta charset=utf-8> starting near byte 1000",
    upage("<!-- " + "x" * 940 + ' --><meta charset="utf-8">').encode())
add("cs-utf16-meta", "charset", "meta charset=utf-16 (-> UTF-8), UTF-8 bytes", upage('<meta charset="utf-16">').encode())
add("cs-utf16le-meta", "charset", "meta charset=utf-16le (-> UTF-8), UTF-8 bytes", upage('<meta charset="utf-16le">').encode())
add("cs-utf16be-httpequiv", "charset", "http-equiv charset=UTF-16BE (-> UTF-8)",
    upage('<meta http-equiv="content-type" content="text/html; charset=UTF-16BE">').encode())
add("cs-header-unknown-meta-sjis", "charset", "header charset=foo (unknown), meta shift_jis",
    enc_text(charset_page('<meta charset="shift_jis">', "\u65e5\u672c", "\u00e9", ENCODINGS[2][5]), "cp932", {}),
    ctype="text/html; charset=foo")
add("cs-header-unknown-undeclared-utf8", "charset", "header charset=foo (unknown), UTF-8 bytes, no meta",
    upage().encode(), ctype="text/html; charset=foo")
add("cs-header-quoted", "charset", 'header charset="Shift_JIS" quoted',
    enc_text(charset_page("", "\u65e5\u672c", "\u00e9", ENCODINGS[2][5]), "cp932", {}),
    ctype='text/html; charset="Shift_JIS"')
add("cs-header-utf8-meta-sjis", "charset", "header utf-8 wins over meta shift_jis",
    upage('<meta charset="shift_jis">').encode(), ctype="text/html; charset=utf-8")
add("cs-header-latin1", "charset", "header iso-8859-1 (-> windows-1252), 0x80 byte",
    enc_text(charset_page("", "\u00e9\u20ac", "\u65e5", ENCODINGS[0][5]), "cp1252", {}), ctype="text/html; charset=iso-8859-1")
add("cs-header-ascii", "charset", "header us-ascii (-> windows-1252)",
    enc_text(charset_page("", "\u00e9\u20ac", "\u65e5", ENCODINGS[0][5]), "cp1252", {}), ctype="text/html; charset=us-ascii")
add("cs-meta-latin1", "charset", "meta latin1 label",
    enc_text(charset_page('<meta charset="latin1">', "\u00e9\u20ac", "\u65e5", ENCODINGS[0][5]), "cp1252", {}))
add("cs-meta-sjis-label", "charset", "meta x-sjis label",
    enc_text(charset_page('<meta charset="x-sjis">', "\u65e5\u672c", "\u00e9", ENCODINGS[2][5]), "cp932", {}))
add("cs-meta-spaces", "charset", 'meta charset=" shift_jis " with spaces',
    enc_text(charset_page('<meta charset=" shift_jis ">', "\u65e5\u672c", "\u00e9", ENCODINGS[2][5]), "cp932", {}))
add("cs-meta-after-p", "charset", "meta charset shift_jis after <p> in body (first 1024 bytes)",
    enc_text('<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p><meta charset="shift_jis">\n'
             + charset_links("\u65e5\u672c", "\u00e9") + "<p>%s</p></body></html>" % ENCODINGS[2][5], "cp932", {}))
add("cs-meta-in-comment", "charset", "meta shift_jis only inside a comment; UTF-8 bytes",
    upage('<!-- <meta charset="shift_jis"> -->').encode())
add("cs-meta-content-no-httpequiv", "charset", "meta content=charset=koi8-r without http-equiv",
    enc_text(charset_page('<meta content="text/html; charset=koi8-r">', "\u041f\u0440", "\u00e9", ENCODINGS[8][5]), "koi8_r", {}))
add("cs-httpequiv-reversed", "charset", "meta content before http-equiv, euc-jp",
    enc_text(charset_page('<meta content="text/html; charset=euc-jp" http-equiv="Content-Type">', "\u65e5\u672c", "\U0001F600", ENCODINGS[3][5]), "euc_jp", {}))
add("cs-httpequiv-quoted-charset", "charset", "http-equiv content charset='big5' single-quoted",
    enc_text(charset_page("<meta http-equiv=Content-Type content=\"text/html; charset='big5'\">", "\u4e2d\u6587", "\U0001F600", ENCODINGS[7][5]), "big5hkscs", {}))
add("cs-two-metas", "charset", "meta koi8-r then meta shift_jis (first wins)",
    enc_text(charset_page('<meta charset="koi8-r"><meta charset="shift_jis">', "\u041f\u0440", "\u00e9", ENCODINGS[8][5]), "koi8_r", {}))
add("cs-meta-in-body-no-head", "charset", "no head; meta charset=windows-1251 after text",
    enc_text('<p>hello</p><meta charset="windows-1251">' + charset_links("\u041f\u0440", "\u00e9") + ENCODINGS[9][5], "cp1251", {}))
add("cs-replacement-header", "charset", "header charset=iso-2022-kr (replacement encoding)",
    charset_page("", "", "", "plain ascii").encode(), ctype="text/html; charset=iso-2022-kr")
add("cs-replacement-meta", "charset", "meta charset=hz-gb-2312 (replacement encoding)",
    charset_page('<meta charset="hz-gb-2312">', "", "", "plain ascii").encode())
add("cs-iso2022jp-header", "charset", "header iso-2022-jp",
    charset_page("", "\u65e5\u672c", "\u00e9", ENCODINGS[2][5]).encode("iso2022_jp"), ctype="text/html; charset=iso-2022-jp")
add("cs-x-user-defined", "charset", "header x-user-defined, bytes 0xE9 0x80",
    charset_page("", "", "", "plain").replace("/ascii?q=a", "/xud/\udce9?q=\udc80").encode("utf-8", "surrogateescape"),
    ctype="text/html; charset=x-user-defined")
add("cs-x-user-defined-meta", "charset", "meta x-user-defined (-> windows-1252)",
    charset_page('<meta charset="x-user-defined">', "", "", "plain").replace("/ascii?q=a", "/xud/\udce9?q=\udc80").encode("utf-8", "surrogateescape"))
add("cs-1252-undeclared-c1", "charset", "undeclared windows-1252 with 0x81 0x8d 0x90 (undefined in cp1252)",
    charset_page("", "", "", "Caf\u00e9").encode("cp1252").replace(b"/ascii?q=a", b"/c1/\x81\x8d?q=\x90\x9d#\x8f"))
add("cs-sjis-base-query", "charset", "shift_jis page, <base> with non-ASCII query",
    enc_text(charset_page('<meta charset="shift_jis"><base href="http://b.example/\u65e5/?\u65e5">', "\u672c", "", ENCODINGS[2][5]), "cp932", {}))
add("cs-1252-base-query", "charset", "windows-1252 page, <base> with é path+query",
    enc_text(charset_page('<meta charset="windows-1252"><base href="http://b.example/\u00e9/?\u00e9">', "\u00fc", "", ENCODINGS[0][5]), "cp1252", {}))
add("cs-1252-idn", "charset", "windows-1252 page with IDN host b\u00fccher",
    enc_text(page('<a href="http://b\u00fccher.example/\u00fc?\u00fc">x</a>', meta='<meta charset="windows-1252">'), "cp1252", {}))
add("cs-sjis-pct-query", "charset", "shift_jis page, already-encoded %-sequences in query kept",
    enc_text(page('<a href="/pq?a=%93%FA&b=%E6%97%A5&c=\u65e5">x</a>', meta='<meta charset="shift_jis">'), "cp932", {}))
add("cs-1252-ws-query", "charset", "windows-1252: query special chars ' \" < > space",
    enc_text(page('<a href="/wq?a=\'&quot;&lt;&gt; x`{}|^\u00e9">x</a>', meta='<meta charset="windows-1252">'), "cp1252", {}))
add("cs-1252-invalid-bytes-utf8-decl", "charset", "meta utf-8 but invalid UTF-8 bytes in href",
    b'<!DOCTYPE html><meta charset="utf-8"><a href="/iv/\xe9\xff?q=\xe9\x80#\xc3">x</a>')
add("cs-sjis-invalid-bytes", "charset", "shift_jis page with invalid byte pairs in href",
    b'<!DOCTYPE html><meta charset="shift_jis"><a href="/sv/\x81\x20?q=\xa0\x80\xfd#\x85\x40">x</a>')
add("cs-nonhttp-in-sjis", "charset", "shift_jis: query of non-http URL uses UTF-8 (dropped anyway); ws: query",
    enc_text(page('<a href="foo://h/?\u65e5">x</a><a href="https://h.example/?\u65e5">y</a>', meta='<meta charset="shift_jis">'), "cp932", {}))

# ---------------------------------------------------------------- follow-up probes
# ASCII-only pages (so Chromium's content detection cannot decide) whose links use character
# references: the query encoding then shows which encoding was chosen.
# KOI8-R: U+041F -> %F0 ; windows-1252: U+041F -> %26%231055%3B, U+00E9 -> %E9.
PROBE_LINKS = '<a href="/pr?q=&#x41F;">p</a><a href="/pr2?q=&#xE9;">e</a>'


def probe(head="", body_before="", ctype="text/html", doctype="<!DOCTYPE html>"):
    return ("%s<html><head>%s<title>t</title></head><body>%s%s</body></html>\n" % (
        doctype, head, body_before, PROBE_LINKS)).encode("ascii"), ctype


PROBES = [
    ("hdr-dquote", "header charset=\"koi8-r\"", probe(ctype='text/html; charset="koi8-r"')),
    ("hdr-squote", "header charset='koi8-r'", probe(ctype="text/html; charset='koi8-r'")),
    ("hdr-upper", "header TEXT/HTML;CHARSET=KOI8-R", probe(ctype="TEXT/HTML;CHARSET=KOI8-R")),
    ("hdr-upper-param", "header text/html; CHARSET=koi8-r", probe(ctype="text/html; CHARSET=koi8-r")),
    ("hdr-upper-type", "header TEXT/HTML; charset=koi8-r", probe(ctype="TEXT/HTML; charset=koi8-r")),
    ("hdr-spaces", "header 'charset = koi8-r'", probe(ctype="text/html; charset = koi8-r")),
    ("hdr-param-after", "header charset=koi8-r; foo=bar", probe(ctype="text/html; charset=koi8-r; foo=bar")),
    ("hdr-param-before", "header foo=bar; charset=koi8-r", probe(ctype="text/html; foo=bar; charset=koi8-r")),
    ("hdr-trailing-semi", "header charset=koi8-r;", probe(ctype="text/html; charset=koi8-r;")),
    ("hdr-dquote-param", "header charset=\"koi8-r\"; x=y", probe(ctype='text/html; charset="koi8-r"; x=y')),
    ("hdr-empty", "header charset= (empty)", probe(ctype="text/html; charset=")),
    ("hdr-unterminated", "header charset=\"koi8-r (unterminated quote)", probe(ctype='text/html; charset="koi8-r')),
    ("hdr-escaped-quote", "header charset=\"koi\\8-r\" (quoted-pair)", probe(ctype='text/html; charset="koi\\8-r"')),
    ("hdr-two-charsets", "header charset=koi8-r; charset=windows-1251", probe(ctype="text/html; charset=koi8-r; charset=windows-1251")),
    ("hdr-unknown-then-meta", "header charset=bogus, meta koi8-r", probe('<meta charset="koi8-r">', ctype="text/html; charset=bogus")),
    ("hdr-dquote-vs-meta", "header charset=\"windows-1251\", meta koi8-r", probe('<meta charset="koi8-r">', ctype='text/html; charset="windows-1251"')),
    ("meta-content-no-pragma", "<meta content=\"text/html; charset=koi8-r\"> without http-equiv", probe('<meta content="text/html; charset=koi8-r">')),
    ("meta-content-charset-only", "http-equiv, content=\"charset=koi8-r\"", probe('<meta http-equiv="content-type" content="charset=koi8-r">')),
    ("meta-content-squote", "http-equiv, content charset='koi8-r'", probe("<meta http-equiv=\"content-type\" content=\"text/html;charset='koi8-r'\">")),
    ("meta-content-unterminated", "http-equiv, content charset=\"koi8-r (unterminated)", probe("<meta http-equiv=\"content-type\" content='text/html; charset=\"koi8-r'>")),
    ("meta-content-spaces", "http-equiv, content 'charset = koi8-r'", probe('<meta http-equiv="content-type" content="text/html; charset = koi8-r">')),
    ("meta-content-semicolon", "http-equiv, content 'charset=koi8-r;x'", probe('<meta http-equiv="content-type" content="text/html; charset=koi8-r;x">')),
    ("meta-charset-and-content", "meta with content=windows-1251 pragma and charset=koi8-r", probe('<meta http-equiv="content-type" content="text/html; charset=windows-1251" charset="koi8-r">')),
    ("meta-httpequiv-wrong", "http-equiv=refresh with content charset", probe('<meta http-equiv="refreshx" content="text/html; charset=koi8-r">')),
    ("meta-after-p", "meta koi8-r after <p> (within 1024 bytes)", probe(body_before='<p>x</p><meta charset="koi8-r">')),
    ("meta-after-head", "meta koi8-r after </head>", probe(head='</head><meta charset="koi8-r"><head>')),
    ("meta-in-script", "meta koi8-r inside <script> text (within 1024)", probe('<script>var s = "<meta charset=koi8-r>";</script>')),
    ("meta-in-style", "meta koi8-r inside <style> text", probe('<style>/* <meta charset=koi8-r> */</style>')),
    ("meta-in-title", "meta koi8-r inside <title> text", probe('<title><meta charset=koi8-r></title>')),
    ("meta-in-textarea", "meta koi8-r inside <textarea> in body", probe(body_before='<textarea><meta charset=koi8-r></textarea>')),
    ("meta-in-noscript", "meta koi8-r inside <noscript> in head", probe('<noscript><meta charset=koi8-r></noscript>')),
    ("meta-in-template", "meta koi8-r inside <template> in head", probe('<template><meta charset=koi8-r></template>')),
    ("meta-in-svg", "meta koi8-r inside <svg> in body", probe(body_before='<svg><meta charset=koi8-r></svg>')),
    ("meta-in-attr", "meta inside attribute value", probe(body_before='<div title="<meta charset=koi8-r>">x</div>')),
    ("meta-in-xmp", "meta inside <xmp>", probe(body_before='<xmp><meta charset=koi8-r></xmp>')),
    ("meta-in-iframe", "meta inside <iframe> text", probe(body_before='<iframe><meta charset=koi8-r></iframe>')),
    ("meta-utf16be", "meta charset=utf-16be on ASCII page (-> UTF-8)", probe('<meta charset="utf-16be">')),
    ("meta-bogus-then-koi8", "meta charset=bogus then meta koi8-r", probe('<meta charset="bogus"><meta charset="koi8-r">')),
    ("meta-no-doctype", "no doctype, meta koi8-r", probe('<meta charset="koi8-r">', doctype="")),
    ("meta-after-xml-decl", "<?xml encoding='koi8-r'?> only", probe(doctype='<?xml version="1.0" encoding="koi8-r"?><!DOCTYPE html>')),
    ("meta-slash", "<meta/charset=koi8-r>", probe('<meta/charset=koi8-r>')),
    ("meta-charset-unquoted-slash", "<meta charset=koi8-r/>", probe('<meta charset=koi8-r/>')),
]
PAD_COMMENT = "<!-- " + "x" * 1100 + " -->"
LATE = [
    ("late-comment", "meta koi8-r after 1100-byte comment in head", PAD_COMMENT, ""),
    ("late-script", "meta after 1100-byte <script> in head", "<script>" + "/*" + "x" * 1100 + "*/</script>", ""),
    ("late-style", "meta after 1100-byte <style> in head", "<style>" + "x{}" * 370 + "</style>", ""),
    ("late-title", "meta after 1100-byte <title>", "<title>" + "x" * 1100 + "</title>", ""),
    ("late-links", "meta after 40 <link> tags (>1024 bytes)", '<link rel="stylesheet" href="/s.css">' * 40, ""),
    ("late-whitespace", "meta after 1100 spaces in head", " " * 1100, ""),
    ("late-metas", "meta after 30 other <meta> tags", '<meta name="description" content="xxxxxxxxxx">' * 30, ""),
    ("late-object-base", "meta after <object>, <base>, <noscript> padding", '<object></object><base target=_self><noscript>' + "y" * 1100 + "</noscript>", ""),
    ("late-div", "meta after <div> + 1100 bytes", '<div>' + "x" * 1100 + "</div>", ""),
    ("late-iframe", "meta after <iframe></iframe> + 1100-byte comment", '<iframe></iframe>' + PAD_COMMENT, ""),
    ("late-endhead", "meta after </head> + comment > 1024", '</head>' + PAD_COMMENT, ""),
    ("late-endtitle-pad", "meta after </title> + comment > 1024 (title end tag)", '<title>t</title>' + PAD_COMMENT, ""),
    ("late-span-early", "<span> at start, then comment, meta > 1024", '<span></span>' + PAD_COMMENT, ""),
    ("late-unknown-tag", "<foo> then comment, meta > 1024", '<foo></foo>' + PAD_COMMENT, ""),
    ("late-head-tag-again", "<head> and <html> again, comment, meta > 1024", '<html><head>' + PAD_COMMENT, ""),
    ("late-3000", "meta after 3000-byte comment", "<!-- " + "x" * 3000 + " -->", ""),
    ("late-70000", "meta after 70000-byte comment", "<!-- " + "x" * 70000 + " -->", ""),
    ("late-straddle", "meta tag starting at byte ~1010, crossing byte 1024", None, ""),
]
for cid, d, (body, ctype) in PROBES:
    add("pr-" + cid, "probe-charset", d, body, ctype=ctype)
for cid, d, pad, _ in LATE:
    if pad is None:
        pre = "<!DOCTYPE html><html><head><!-- "
        pad_len = 1010 - len(pre) - 4
        head = "<!-- " + "x" * pad_len + " -->"
        pad = head[:]
    body, ctype = probe(pad + '<meta charset="koi8-r">')
    add("pr-" + cid, "probe-late-meta", d, body, ctype=ctype)
    idx = body.rfind(b'<meta charset="koi8-r">')
    CASES[-1]["desc"] += " (meta at byte %d)" % idx
# undeclared UTF-8 with lots of non-ASCII (Chromium never detects UTF-8 over http)
add("pr-utf8-undeclared-heavy", "probe-charset", "undeclared UTF-8, mostly Japanese text",
    charset_page("", "\u65e5\u672c", "", ENCODINGS[2][5] * 20).encode())

MORE_URLS = [
    # '*' and space in hosts
    "http://*.example.com/", "http://*/", "http://A*B.com/", "http://a*b.\u00fc.com/", "http://\u00fc*.com/",
    "http://a b.\u00fc.com/", "http://a%2A.com/", "http://a%2a.com/", "//a b/", "//a*b/", "http://a%20b%2A/",
    "http://a\u3000b/", "http://a\u00a0b/", "http://A%20B/",
    # IPv6 (Chromium quirks)
    "http://[%3A%3A1]/", "http://[::%31%32]/", "http://[::ffff:01.2.3.4]/", "http://[::1.2.3.0x4]/",
    "http://[::0x1.2.3.4]/", "http://[::127.1]/", "http://[::1.2.3.4.]/", "http://[::\uff46\uff46\uff46\uff46:1.2.3.4]/",
    "http://[::1.02.3.4]/", "http://[::001.2.3.4]/", "http://[::1.2.3.255]/", "http://[::1.2.3.256]/",
    "http://[\uff1a\uff1a1]/", "http://[::A]/", "http://[::%41]/", "http://[::1%5D/",
    # xn-- labels that do not decode
    "http://xn--a.xn--b.com/", "http://XN--A.COM/", "http://xn--1.com/", "http://xn--zca/", "http://xn---/",
    "http://xn--mnchen-3ya.de/", "http://xn--mnchen-3yA.de/", "http://xn--ls8h.xn--/", "http://a.xn--a/",
    "http://xn--abc.\u00fc.com/", "http://xn--ab--c.\u00fc.com/", "http://www.xn--a.com:8080/p?q#f",
    "http://xn--nxa.com/", "http://xn--0ca.com/", "http://xn--a-ecp.ru/", "http://xn--55qx5d.xn--j6w193g/",
    # scheme-relative with 3+ slashes / backslashes
    "\\\\\\x3", "//\\x4", "\\//x5", "/\\/x6", "/\\\\x7", "///x8/../y", "///x9:80/", "///[::1]/", "///@x/",
    "////example.com/x", "///a b/",
    # '|' and '^' in paths
    "/p|q", "/p^q", "http://example.com/a|b^c", "/a%7Cb", "/a%5Eb", "http://example.com/|", "?|^", "#|^",
    "//example.com/a|b",
]
for i, h in enumerate(MORE_URLS):
    add("m%03d" % i, "url-more", "href=%r" % h, page(one(attr(h))))
add("b-pipe", "base", "base with '|' and '^' in path", page(base_links(), head='<base href="http://b.example/a|b^c/">'))
add("b-space-host", "base", "base //a b/ relative host with space", page(base_links(), head='<base href="//a b/x/">'))
add("b-star-host", "base", "base http://*.example/", page(base_links(), head='<base href="http://*.example/s/">'))
add("b-xn", "base", "base http://xn--a.com/", page(base_links(), head='<base href="http://xn--a.com/x/">'))
add("b-triple-slash", "base", "base ///b.example/t/", page(base_links(), head='<base href="///b.example/t/">'))
add("b-ipv6-pct", "base", "base http://[::%31]/", page(base_links(), head='<base href="http://[::%31]/v/">'))

MORE_PARSER = [
    ("svg-font-face", '<svg><font face=x><a href="/mp1">x</a></font></svg>'),
    ("svg-font-size", '<svg><font size=1><a href="/mp2">x</a></font></svg>'),
    ("math-mi-svg-a", '<math><mi><svg><a href="/mp3">x</a></svg></mi></math>'),
    ("svg-desc-svg-a", '<svg><desc><svg><a href="/mp4">x</a></svg></desc></svg>'),
    ("svg-a-fo-a", '<svg><a href="/mp5"><foreignObject><a href="/mp6">x</a></foreignObject></a></svg>'),
    ("table-svg-a", '<table><svg><a href="/mp7">x</a></svg><tr><td>y</td></tr></table>'),
    ("select-svg", '<select><svg><a href="/mp8">x</a></svg></select>'),
    ("svg-end-p", '<svg></p><a href="/mp9">x</a></svg>'),
    ("math-mtext-table", '<math><mtext><table><tr><td><a href="/mp10">x</a></td></tr></table></mtext></math>'),
    ("fo-math-mi", '<svg><foreignObject><math><mi><a href="/mp11">x</a></mi></math></foreignObject></svg>'),
    ("table-a-a", '<table><a href="/mp12">x<a href="/mp13">y</table>z'),
    ("deep-divs", "<div>" * 20000 + '<a href="/mp14">x</a>'),
    ("deep-b-misnest", "<b>" * 600 + '<a href="/mp15"><p>x</b>y</a><a href="/mp16">z</a>'),
    ("deep-a-in-deep", "<span>" * 1000 + '<a href="/mp17"><div>' + "<i>" * 600 + '<a href="/mp18">x</a>'),
    ("many-links", "".join('<a href="/ml%d">%d</a>' % (i, i) for i in range(20000))),
    ("noahs-ark", '<a href="/mp19"><b><b><b><b><p>x</a>y<a href="/mp20">z</a>'),
    ("template-table", '<table><template><a href="/mp21">x</a></template><tr><td><a href="/mp22">y</a></td></tr></table>'),
    ("select-input", '<select><input><a href="/mp23">x</a></select>'),
    ("select-nested", '<select><select><a href="/mp24">x</a>'),
    ("option-a-option", '<select><option><a href="/mp25">a<option>b</a></select><a href="/mp26">c</a>'),
    ("select-button", '<select><button><a href="/mp27">x</a></button><option>o</option></select>'),
    ("select-div-a", '<select><div><a href="/mp28">x</a></div></select>'),
    ("a-select-a", '<a href="/mp29"><select><a href="/mp30">x</a></select></a>'),
    ("hr-in-select", '<select><hr><a href="/mp31">x</a></select>'),
    ("table-in-select", '<select><table><tr><td><a href="/mp32">x</a></td></tr></table></select>'),
    ("textarea-in-select", '<select><textarea><a href="/mp33"></textarea></select><a href="/mp34">y</a>'),
    ("keygen-in-select", '<select><keygen><a href="/mp35">x</a></select>'),
]
for i, (d, h) in enumerate(MORE_PARSER):
    add("mp%02d" % i, "parser-more", d, page(h))

# undeclared pages with very little non-ASCII text: what does Chromium's detector pick?
for cid, codec, txt in [("sjis", "cp932", "\u65e5\u672c"), ("koi8r", "koi8_r", "\u041f\u0440\u0438\u0432\u0435\u0442"),
                        ("utf8", "utf-8", "\u00e9"), ("eucjp", "euc_jp", "\u65e5\u672c"), ("gbk", "gbk", "\u4e2d\u6587"),
                        ("1251", "cp1251", "\u041f\u0440\u0438\u0432\u0435\u0442")]:
    body = ('<!DOCTYPE html><html><head><title>t</title></head><body><a href="/few/%s?q=%s">x</a>'
            '<a href="/few2?q=&#x41F;&#xE9;&#x65E5;">y</a></body></html>' % (txt, txt)).encode(codec)
    add("pr-few-" + cid, "probe-charset", "undeclared, only one %s word (%r) in one href" % (codec, txt), body)

# ---------------------------------------------------------------- deep nesting (issue 13)
# Chromium caps the DOM depth at 512 (kMaximumHTMLParserDOMTreeDepth): an element that would
# be inserted while more than 512 elements are open goes to its parent's parent instead, and
# the parser otherwise runs as usual (the stack of open elements is not capped). These pages
# exercise link-extractor's guard at and around that boundary: the body is at depth 2, so
# the Nth nested <div> is at depth N + 2.
def divs(n, inner, tag="div"):
    return "<%s>" % tag * n + inner + "</%s>" % tag * n


DEEP = []
for n in (509, 510, 511, 512, 513, 600):
    DEEP += [
        ("divs-%d" % n, "%d nested divs, a link every 100 levels, inside and after" % n,
         "".join('<div><a href="/dv%d-%d">%d</a>' % (n, i, i) if i % 100 == 0 else "<div>" for i in range(n))
         + '<a href="/dv%d-in">in</a>' % n + "</div>" * n + '<a href="/dv%d-after">after</a>' % n),
        ("template-at-%d" % n, "template inside %d divs, a link in it and after it" % n,
         divs(n, '<template><a href="/tp%d">t</a><div><a href="/tp%d-div">d</a></div></template><a href="/tp%d-after">a</a>' % (n, n, n))),
        ("svg-at-%d" % n, "svg inside %d divs: svg a, self-closing shapes, foreignObject, a breakout" % n,
         divs(n, '<svg><a href="/sv%d-svg-a">s</a><circle/><g/><g><rect/><a href="/sv%d-g-a">g</a></g>'
                 '<foreignObject><a href="/sv%d-fo">fo</a></foreignObject><g><p><a href="/sv%d-breakout">b</a></g></svg>'
                 '<a href="/sv%d-after">a</a>' % (n, n, n, n, n))),
        ("math-at-%d" % n, "math inside %d divs: mi text integration point, annotation-xml" % n,
         divs(n, '<math><a href="/mt%d-math-a">m</a><mi><a href="/mt%d-mi">mi</a></mi><mrow/>'
                 '<annotation-xml encoding="text/html"><a href="/mt%d-ax">ax</a></annotation-xml></math>'
                 '<a href="/mt%d-after">a</a>' % (n, n, n, n))),
        ("table-at-%d" % n, "table inside %d divs with foster-parented links" % n,
         divs(n, '<table><a href="/tb%d-f1">f1</a><tr><td><a href="/tb%d-c1">c1</a><div><a href="/tb%d-c2">c2</a></div></td></tr>'
                 '<a href="/tb%d-f2">f2</a><div><a href="/tb%d-f3">f3</a></div></table><a href="/tb%d-after">a</a>' % (n, n, n, n, n, n))),
        ("select-at-%d" % n, "select inside %d divs" % n,
         divs(n, '<select><option><a href="/se%d-o">o</a></option><optgroup><option>x</optgroup></select><a href="/se%d-after">a</a>' % (n, n))),
    ]
DEEP += [
    ("divs-100k", "100,000 nested divs, links inside and after",
     '<a href="/dk-before">b</a>' + divs(100000, '<a href="/dk-in">in</a>') + '<a href="/dk-after">a</a>'),
    ("divs-100k-unclosed", "100,000 nested divs never closed, text and a link at the bottom",
     "<div>" * 100000 + 'text <a href="/dku-in">in</a> more text'),
    ("b-div-50k", "50,000 <b><div> misnestings, then a link",
     "<b><div>" * 50000 + '<a href="/bd-in">in</a>' + "</b></div>" * 20 + '<a href="/bd-after">after</a>'),
    ("b-div-b-close", "600 <b><div>x</b> misnestings (adoption agency deep), links between",
     "".join('<b><div>x<a href="/bc%d">%d</a></b>' % (i, i) if i % 50 == 0 else "<b><div>x</b>" for i in range(600))
     + '<a href="/bc-after">a</a>'),
    ("a-in-deep-formatting", "links inside 700 nested formatting elements, nested <a>",
     "<span>" * 300 + "".join("<%s>" % t for t in ("b", "i", "em", "strong", "u") * 140)
     + '<a href="/af1">1<div><a href="/af2">2</a></div><a href="/af3">3</a></a><p>x<a href="/af4">4</p>y'),
    ("deep-then-shallow", "a link deep in 600 divs, 100 closed, a link, the rest closed, a link",
     "<div>" * 600 + '<a href="/ds-deep">d</a>' + "</div>" * 100 + '<a href="/ds-mid">m</a>'
     + "</div>" * 500 + '<a href="/ds-top">t</a>'),
    ("svg-deep-g", "600 nested <g> in svg, a deep svg a, foreignObject deep, then after svg",
     '<svg>' + "<g>" * 600 + '<a href="/sg-a">a</a><g/><foreignObject><a href="/sg-fo">fo</a></foreignObject>'
     + "</g>" * 600 + '<a href="/sg-svg-a2">a2</a></svg><a href="/sg-after">after</a>'),
    ("svg-selfclosing-800", "800 self-closing <g/> in svg inside 505 divs (no real nesting), then a link",
     divs(505, "<svg>" + "<g/>" * 800 + '<a href="/sc-svg">s</a></svg><a href="/sc-html">h</a>')),
    ("span-close-over-svg", "600 divs, a span, an svg; </span> closes the svg too",
     "<div>" * 600 + '<span><svg><a href="/so-svg">s</a></span><a href="/so-html">h</a>'),
    ("div-close-over-template", "600 divs, a div, a template; </div> does not close the template",
     "<div>" * 600 + '<div><template><a href="/dt-t1">t</a></div><a href="/dt-t2">t2</a></template><a href="/dt-after">a</a>'),
    ("template-deep-inside", "a template holding 600 nested divs and a link, a link after",
     '<template>' + divs(600, '<a href="/ti-in">in</a>') + '</template><a href="/ti-after">a</a>'),
    ("table-deep-cells", "a table cell holding 600 divs with links, then foster-parented links",
     '<table><tr><td>' + divs(600, '<a href="/tc-in">in</a>') + '</td></tr><a href="/tc-f">f</a></table><a href="/tc-after">a</a>'),
    ("table-in-deep-misplaced", "600 divs, then a table with misplaced divs and links in it",
     "<div>" * 600 + '<table><div><a href="/tm-1">1</a></div><tr><td>c</td></tr><span><a href="/tm-2">2</a></span></table><a href="/tm-after">a</a>'),
    ("select-in-deep", "600 divs, a select with options holding links, then a link",
     "<div>" * 600 + '<select><option><a href="/sd-1">1</a><option><div><a href="/sd-2">2</a></div></select><a href="/sd-after">a</a>'),
    ("text-after-cap", "600 divs, text and paragraphs around links",
     "<div>" * 600 + 'text<p>para <a href="/ta-1">1</a> more<p>next <b>bold <a href="/ta-2">2</a></b> tail</p>' + "</div>" * 600 + 'x<a href="/ta-after">a</a>'),
    ("lists-deep", "700 nested <ul><li>, links in every 100th",
     "".join('<ul><li><a href="/ls%d">%d</a>' % (i, i) if i % 100 == 0 else "<ul><li>" for i in range(700)) + '<a href="/ls-in">in</a>'),
    ("textarea-in-deep", "600 divs, textarea and title raw text with link markup, then a link",
     "<div>" * 600 + '<textarea><a href="/rt-no"></textarea><xmp><a href="/rt-no2"></xmp><a href="/rt-yes">y</a>'),
    ("base-in-deep", "a <base href> 600 divs deep applies to every link",
     '<a href="rel-before">b</a>' + "<div>" * 600 + '<base href="/based/"><a href="rel-deep">d</a>'),
    ("nested-a-deep", "600 divs, then <a> inside <a> repeatedly",
     "<div>" * 600 + "".join('<a href="/na%d">%d' % (i, i) for i in range(20)) + '<a href="/na-last">l</a>'),
    ("list-close-then-template", "261 nested <ul><li>, </ul>, then a template holding a link (fuzz: depth)",
     "<ul><li>" * 261 + '</ul><template><div><a href="/lc-t">t</a></template><a href="/lc-after">a</a>'),
    ("dl-close-then-template", "261 nested <dl><dd>, </dl>, then a template holding a link (fuzz: depth)",
     "<dl><dd>" * 261 + '</dl><template><div><a href="/dc-t">t</a></template><a href="/dc-after">a</a>'),
    ("list-items-past-cap", "261 nested <ul><li>, then li, ol, dl items that close items",
     "<ul><li>" * 261 + '<li><a href="/li-x">x</a><ol><li><a href="/li-y">y</a></ol>'
     '<dl><dt>a<dd><a href="/li-dd">d</a><dt></dl>'),
    ("mi-end-in-html-content", "520 divs, math, mi, span: </mi> is ignored, <anl> and its a are HTML (fuzz: depth)",
     "<div>" * 520 + '<math><mi><span><a href="/me-mi">m</a></mi><anl><a href="/me-ax">a</a></anl></math><a href="/me-after">f</a>'),
    ("p-end-in-foreign", "520 divs, math, annotation-xml without an HTML encoding: </p> breaks out of MathML (fuzz: depth)",
     "<div>" * 520 + '<math><mi2><annotation-xml encoding=tex/html><n>x</p><a href="/pf-after-p">a</a>'),
    ("br-end-in-svg", "520 divs, svg: </br> breaks out of SVG (fuzz: depth)",
     "<div>" * 520 + '<svg><g><rect></br><a href="/bs-after-br">a</a>'),
    ("html-in-mi-deep", "508 divs, math, mi, HTML a and element in it, </mi>, annotation-xml, a (fuzz: depth)",
     "<div>" * 508 + '<math><mi><a href="/hm-mi">m<oa></mi><annotation-xml e!coding=text/html><a hRef="/hm-ax">a</a></annotation-xml></math>' * 3),
    ("agency-in-mi-deep", "520 divs, math, mi, nested a (adoption agency), then MathML select/option/a (fuzz: depth)",
     "<div>" * 520 + '<math><mi><a href<mi><a href="/am-mi">m</a></mi><annatt<div>x<select><option><a href="/am-o"><a href="/am-g">g<></math><a href="/am-after">a</a>'),
    ("agency-pops-kept-deep", "520 divs, math, mi, a, HTML mi, a (agency pops both), </mi>, MathML a (fuzz: depth)",
     "<div>" * 520 + '<math><mi><a href><mi><a href="/ap-mi">m</a></mi><foo><a href="/ap-x">m</a></math><a href="/ap-after">a</a>'),
    ("table-end-in-deep-cell", "508 divs, a table, a cell past the cap with an a and math in it, </table>, a link (fuzz: depth)",
     "<div>" * 508 + '<table><a href="/te-foster">f<tr><td><a href="/te-c"><math></table><a href="/te-t"></td>'),
    ("heading-end-over-svg", "520 unknown elements, h1, svg, </h2> closes the h1 and the svg (fuzz: depth)",
     "<h0>" * 520 + '<h1><svg><g><a href="/hs-h">h</a></h2><a href="/hs-y">y</a>'),
    ("agency-over-svg", "258 <b><div>, svg, </b>: the agency's second round pops the svg (fuzz: depth)",
     "<b><div>" * 258 + '<svg></b><a href="/ao-z">z</a>'),
    ("agency-rounds", "520 divs, b, 7 or 9 divs, svg, </b>: eight rounds at most; a cell stops them",
     "<div>" * 520 + '<b>' + "<div>" * 7 + '<svg></b><a href="/ar-7">7</a></svg></div>'
     '<b>' + "<div>" * 9 + '<svg></b><a href="/ar-9">9</a></svg>'
     '<b><div><table><tr><td><svg></b><a href="/ar-td">q</a></td></tr></table><a href="/ar-after">r</a>'),
    ("agency-between-ordinary", "520 divs, b, span, div, svg, </b>: the span leaves the stack, </span> is ignored",
     "<div>" * 520 + '<b><span><div></b></span><svg></div><a href="/ab-q">q</a></svg><a href="/ab-r">r</a>'),
    ("agency-between-formatting", "520 divs, b, four formatting elements, div, svg, </b>: copies stay open",
     "<div>" * 520 + '<b><i><u><s><em><div><svg></b><a href="/ab-1">1</a></em><a href="/ab-2">2</a></s><a href="/ab-3">3</a>'),
    ("nested-a-over-h2-in-mi", "520 divs, math, mi, a, h2, a: the agency keeps the h2 open, </mi> is ignored (fuzz: depth)",
     "<div>" * 520 + '<math><mi><a hrem=>x<h2><a hreff/=i>m</a></mi><a href="/na-ax">a</a></math>'),
    ("agency-reopen", "520 divs: formatting elements the agency pops are opened again at the next tag or text",
     "<div>" * 520 + '<a href="/rf-1"><b><a href="/rf-2">2<svg></b><a href="/rf-x">x</a>'
     '<b><i><svg></b><svg><g></i><a href="/rf-3">3</a>'
     '<b><i><u><svg></b>text<svg></u><a href="/rf-4">4</a>'
     '<b><i><svg></b></i><svg><a href="/rf-no">no</a></svg><a href="/rf-5">5</a>'),
    ("nested-a-at-the-cap", "507 divs, math, mi, a (the 512th element), h2, a: the agency keeps the h2 open (fuzz: depth)",
     "<div>" * 507 + '<math><mi><a hrem=>x<h2><a hreff/=i>m</a></mi><a href="/nc-ax">a</a></math>'),
    ("agency-pop-at-the-cap", "509 divs, a (the 512th), b, a, svg, </b>: the b opens again and its end closes the svg",
     "<div>" * 509 + '<a href="/pc-1"><b><a href="/pc-2">2<svg></b><a href="/pc-x">x</a>'),
    ("end-agency-at-the-cap", "509 divs, b (the 512th), i, svg, </b>, svg, </i>: the i opens again within the cap",
     "<div>" * 509 + '<b><i><svg></b><svg><g></i><a href="/ec-1">1</a>'),
    ("end-agency-eight-blocks", "505 divs, b (below the cap), 8 pre blocks across the cap, math, </b>: eight rounds, the math stays open",
     "<div>" * 505 + "<b>" + "<pre>" * 8 + '<math></b><a href="/eb-m">m</a>'),
    ("end-agency-seven-blocks", "the same with 7 pre blocks: the last copy of the b is popped with the math",
     "<div>" * 505 + "<b>" + "<pre>" * 7 + '<math></b><a href="/eb-m">m</a>'),
    ("end-agency-a-in-svg", "505 divs, a (below the cap), 12 divs, svg, </a> in it: the svg stays open",
     "<div>" * 505 + '<a href="/ea-1">' + "<div>" * 12 + '<svg></a><a href="/ea-x">x</a>'),
    ("end-agency-a-in-svg-few", "the same with 6 divs: the a's copy is popped with the svg",
     "<div>" * 505 + '<a href="/ea-1">' + "<div>" * 6 + '<svg></a><a href="/ea-x">x</a>'),
    ("reopen-waits-in-math", "507 divs, (math, mi, a, i, </a>, </mi>) x 4: the i popped with the a opens again in the next mi",
     "<div>" * 507 + "<math><mi><a><i></a></mi>" * 4 + '<a href="/rw-z">z</a>'),
    ("form-end-keeps-svg", "510 divs, form, p, svg, </form>: the form alone leaves the stack, the svg stays open",
     "<div>" * 510 + '<form><p><svg></form><a href="/fe-f">f</a>'),
    ("table-end-through-div", "509 divs, table, a, td, div, div, svg, </table>: closes the cell and the table",
     "<div>" * 509 + '<table><a href="/te-t"><td><div><div><svg></table><a href="/te-z">z</a>'),
    ("mi-end-over-b", "509 divs, math, mi, b, </mi>: ignored (the b is the current node)",
     "<div>" * 509 + '<math><mi><b></mi><a href="/mb-h">h</a>'),
    ("heading-in-span-over-h1", "510 divs, h1, span, h2, </h2>, svg, </span>: the h2 pops nothing, </span> closes the svg",
     "<div>" * 510 + '<h1><span><h2></h2><svg></span><a href="/hs-x">x</a>'),
    ("spans-100k", "100,000 nested spans, links inside and after",
     divs(100000, '<a href="/sp-in">in</a>', "span") + '<a href="/sp-after">a</a>'),
]
# Chromium itself is slow on the 100k pages (its layout of 100k nested boxes, not the
# parser): give it time.
for cid, d, h in DEEP:
    big = "100k" in cid or "50k" in cid
    add("deep-" + cid, "deep", d, page(h), chrome_timeout_s=600 if big else None)

# The page of tests/integration/faults.rs
# deep_foreign_content_templates_and_tables_give_the_links_chromium_gives, as it is served.
add("deep-mixed", "deep", "600 divs: svg with 1000 <g/>, foreignObject, breakout, </span> over svg, "
    "template, table with foster-parented div, math; the integration test's page",
    "<!DOCTYPE html><title>Deep</title>" + "<div>" * 600
    + '<svg>' + "<g/>" * 1000 + '<g><a href="/svg-a">no</a></g>'
    '<foreignObject><a href="/fo">fo</a></foreignObject><g><p><a href="/breakout">b</a></g></svg>'
    '<span><svg><a href="/svg-b">no</a></span><a href="/html">html</a>'
    '<template><a href="/in-template">t</a></template>'
    '<table><a href="/fostered">f</a><tr><td><a href="/cell">c</a></td></tr>'
    '<div><a href="/in-fostered-div">d</a></div></table>'
    '<math><a href="/math-a">no</a><mi><a href="/mi">mi</a></mi></math>' + "</div>" * 600
    + '<a href="/after">after</a>', path="/deep/")

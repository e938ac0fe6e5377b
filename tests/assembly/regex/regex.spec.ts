import { compileRegex, Regex } from "../../../assembly/regex/regex";

function compiled(pattern: string): Regex {
  const r = compileRegex(pattern);
  expect(r.error).toBe("", "compiling " + pattern);
  return r.regex!;
}

/** Full match (RE2::FullMatch): every `yes` text matches the whole pattern, no `no` text does. */
function full(pattern: string, yes: string[], no: string[]): void {
  const re = compiled(pattern);
  for (let i = 0; i < yes.length; i++) expect(re.matches(yes[i])).toBe(true, pattern + " should fully match '" + shown(yes[i]) + "'");
  for (let i = 0; i < no.length; i++) expect(re.matches(no[i])).toBe(false, pattern + " should not fully match '" + shown(no[i]) + "'");
}

/** Partial match (RE2::PartialMatch). */
function partial(pattern: string, yes: string[], no: string[]): void {
  const re = compiled(pattern);
  for (let i = 0; i < yes.length; i++) expect(re.search(yes[i])).toBe(true, pattern + " should be found in '" + shown(yes[i]) + "'");
  for (let i = 0; i < no.length; i++) expect(re.search(no[i])).toBe(false, pattern + " should not be found in '" + shown(no[i]) + "'");
}

function refused(pattern: string, reason: string, position: i32): void {
  const r = compileRegex(pattern);
  expect(r.regex).toBeNull(pattern + " should be refused");
  expect(r.error.includes(reason)).toBe(true, pattern + ": '" + r.error + "' should say '" + reason + "'");
  expect(r.error.endsWith("at position " + position.toString())).toBe(true, pattern + ": '" + r.error + "' should name position " + position.toString());
}

/** A text short enough for a failure message. */
function shown(s: string): string {
  return s.length <= 40 ? s : s.substring(0, 20) + "...(" + s.length.toString() + " chars)";
}

function repeat(s: string, n: i32): string {
  return s.repeat(n);
}

describe("regex: literals, full and partial match", () => {
  it("matches the whole text for matches(), any substring for search()", () => {
    full("sayHello", ["sayHello"], ["sayHell", "sayHelloo", "xsayHello", ""]);
    partial("ell", ["hello", "ell"], ["helo", ""]);
    full("h.*o", ["hello", "ho"], ["hell", "hellO"]);
  });

  it("handles the empty pattern and the empty input", () => {
    full("", [""], ["a"]);
    partial("", ["", "abc"], []);
    full("a*", ["", "aaa"], ["b"]);
    full("(?:)", [""], ["a"]);
    full("()*", [""], ["a"]);
  });
});

describe("regex: anchors", () => {
  it("^ and $ hold at the ends of the text only", () => {
    full("^abc$", ["abc"], ["abcd", "xabc", ""]);
    partial("^abc", ["abcd", "abc"], ["xabc"]);
    partial("abc$", ["xabc"], ["abcx", "abc\n"]);
    full("a^b", [], ["ab", "a^b"]);
    full("a$b", [], ["ab", "a$b"]);
    full("\\Aab\\z", ["ab"], ["abb"]);
  });

  it("(?m) makes them line anchors", () => {
    partial("(?m)^b", ["a\nb", "b"], ["ab"]);
    full("(?m)a$\\nb", ["a\nb"], ["a\nc"]);
    partial("^b", [], ["a\nb"]);
  });

  it("\\b and \\B test word boundaries", () => {
    partial("\\bfoo\\b", ["a foo b", "foo", "(foo)"], ["foobar", "afoo"]);
    partial("\\Boo\\B", ["fooo"], ["oo", "foo"]);
  });
});

describe("regex: classes and escapes", () => {
  it("reads sets, ranges and negation", () => {
    full("[abc]+", ["abcba", "c"], ["abd", ""]);
    full("[a-z0-9_]+", ["get_user2"], ["Get", "a-b"]);
    full("[^a-z]", ["A", "\n", "5"], ["a", "", "AB"]);
    full("[]a]", ["]", "a"], ["b"]);
    full("[^]a]", ["b"], ["]", "a"]);
    full("[a-]", ["-", "a"], ["b"]);
    full("[-a]", ["-", "a"], ["b"]);
    full("[\\d.]+", ["1.2"], ["1,2"]);
    full("[\\w-]+", ["a-b_c"], ["a b"]);
    full("[^\\s]+", ["abc"], ["a b"]);
    full("[\\]\\\\]+", ["]\\"], ["a"]);
    full("[[:alpha:]]+", ["abC"], ["ab1"]);
    full("[[:^digit:]]", ["a"], ["1"]);
  });

  it("reads . as any character but newline, a surrogate pair as one character", () => {
    full(".", ["a", "é", "😀"], ["\n", "", "ab"]);
    full("(?s).", ["\n"], [""]);
    full("[^a]", ["😀"], ["a"]);
    full("\\x{1F600}", ["😀"], ["\uD83D"]);
    full("..", ["\uD83Da", "a\uDE00"], ["😀"]);
  });

  it("knows the Perl classes (ASCII, as RE2)", () => {
    full("\\d{3}", ["123"], ["12", "1234", "12a"]);
    full("\\D", ["a"], ["1"]);
    full("\\w+", ["get_User9"], ["a.b"]);
    full("\\W", ["-"], ["a", "_"]);
    full("\\s", [" ", "\t", "\n", "\r", "\f"], ["\v", "a"]);
    full("\\S", ["a"], [" "]);
  });

  it("reads escaped punctuation, control, hex and octal escapes, \\Q...\\E", () => {
    full("a\\.b", ["a.b"], ["axb"]);
    full("\\\\", ["\\"], ["\\\\"]);
    full("\\[x\\]", ["[x]"], ["x"]);
    full("\\(\\)", ["()"], [""]);
    full("\\*\\+\\?\\{\\}\\|\\^\\$\\.", ["*+?{}|^$."], []);
    full("\\x41\\x{1F600}", ["A😀"], ["A"]);
    full("\\t\\n", ["\t\n"], ["tn"]);
    full("\\101\\0", ["A\0"], ["A"]);
    full("\\Qa.b*\\E", ["a.b*"], ["axb", "a.bb"]);
    full("\\Qab\\E+", ["abbb"], ["abab"]);
  });

  it("reads a brace that is not a repetition as a literal", () => {
    full("a{", ["a{"], ["a"]);
    full("a{x}", ["a{x}"], ["a"]);
    full("a{,2}", ["a{,2}"], ["aa"]);
  });
});

describe("regex: alternation and groups", () => {
  it("tries every branch", () => {
    full("get|set|delete", ["get", "set", "delete"], ["gets", "", "del"]);
    full("a|", ["a", ""], ["b"]);
    full("|", [""], ["a"]);
    full("org\\.apache\\.(dubbo|thrift)\\.[A-Z]\\w*Service",
      ["org.apache.dubbo.DemoService", "org.apache.thrift.XService"],
      ["org.apache.grpc.DemoService", "org.apache.dubbo.demoService", "org.apache.dubbo.Demo"]);
  });

  it("nests groups, capturing, non-capturing and named", () => {
    full("((a|b)c)+", ["ac", "acbc"], ["ab", "a", ""]);
    full("(?:ab)*c", ["c", "ababc"], ["aabc", "abab"]);
    full("(?P<name>x)y", ["xy"], ["x"]);
    full("(?<name>x)y", ["xy"], ["y"]);
    full("(a(b(c|d)))+", ["abcabd"], ["abcab"]);
  });
});

describe("regex: repetition", () => {
  it("supports * + ? and their lazy forms", () => {
    full("a+", ["a", "aa"], ["", "b"]);
    full("a?", ["", "a"], ["aa"]);
    full("a*?", ["", "aa"], ["b"]);
    full("a+?b", ["ab", "aab"], ["b"]);
    full("a??b", ["b", "ab"], ["aab"]);
  });

  it("supports {n}, {n,} and {n,m}, lazy too", () => {
    full("a{3}", ["aaa"], ["aa", "aaaa"]);
    full("a{2,}", ["aa", "aaaaa"], ["a"]);
    full("a{2,4}", ["aa", "aaa", "aaaa"], ["a", "aaaaa"]);
    full("a{0}", [""], ["a"]);
    full("a{0,1}", ["", "a"], ["aa"]);
    full("a{1,3}?", ["aaa"], ["aaaa"]);
    full("(ab){2}", ["abab"], ["ab", "ababab"]);
    full("(a|bc){1,2}", ["a", "bc", "abc", "bca"], ["", "abca"]);
    full("x{1000}", [repeat("x", 1000)], [repeat("x", 999), repeat("x", 1001)]);
  });

  it("terminates on loops over the empty string", () => {
    full("(a*)*", ["", "aaa"], ["b"]);
    full("(a*)+b", ["b", "aab"], ["a"]);
    full("(|a)+", ["", "aa"], ["b"]);
    full("(a?){3,}", ["", "aaaaa"], ["b"]);
  });
});

describe("regex: flags", () => {
  it("(?i) folds ASCII case, scoped to its group", () => {
    full("(?i)sayhello", ["SayHello", "SAYHELLO"], ["sayhell"]);
    full("(?i)[a-c]+", ["AbC"], ["d"]);
    full("(?i)[^a]", ["b"], ["A", "a"]);
    full("a(?i)b", ["aB", "ab"], ["AB"]);
    full("(?i:a)b", ["Ab"], ["AB"]);
    full("(a(?i)b)c", ["aBc"], ["aBC"]);
    full("(?i)a(?-i)b", ["Ab"], ["AB"]);
    full("(?U)a+", ["aa"], [""]);
    full("(?sm:.)", ["\n"], [""]);
  });
});

describe("regex: refused patterns", () => {
  it("refuses what RE2 refuses, naming the position", () => {
    refused("\\1", "backreference", 0);
    refused("(a)\\1", "backreference", 3);
    refused("(?P=n)", "backreference", 0);
    refused("(?=a)", "lookahead", 0);
    refused("a(?!b)", "lookahead", 1);
    refused("(?<=a)b", "lookbehind", 0);
    refused("x(?<!a)", "lookbehind", 1);
    refused("a{1001}", "repetition count above 1000", 1);
    refused("a{2,1001}", "repetition count above 1000", 1);
    refused("a{99999999999}", "repetition count above 1000", 1);
    refused("a{3,2}", "n > m", 1);
    refused("x(a{500}){100}", "pattern too large", 1);
    refused("\\pL", "Unicode classes", 0);
  });

  it("refuses malformed patterns, naming the position", () => {
    refused("*a", "missing argument to repetition operator", 0);
    refused("a|*", "missing argument to repetition operator", 2);
    refused("{2}", "missing argument to repetition operator", 0);
    refused("(*)", "missing argument to repetition operator", 1);
    refused("(?i)*", "missing argument to repetition operator", 4);
    refused("a**", "bad repetition operator", 2);
    refused("a{2}{3}", "bad repetition operator", 4);
    refused("(ab", "missing )", 0);
    refused("ab)", "unexpected )", 2);
    refused("[ab", "missing ]", 0);
    refused("[z-a]", "bad character class range", 1);
    refused("[a-\\d]", "bad character class range", 1);
    refused("a\\", "trailing \\", 1);
    refused("\\q", "invalid escape", 0);
    refused("[\\b]", "invalid escape", 1);
    refused("(?x)", "invalid or unsupported group syntax", 0);
    refused("(?i", "invalid or unsupported group syntax", 0);
    refused("(?)", "invalid or unsupported group syntax", 0);
    refused("(?i-)", "invalid or unsupported group syntax", 0);
    refused("(?<>a)", "invalid named capture group", 0);
    refused("[[:foo:]]", "invalid POSIX class", 1);
    refused("\\x{110000}", "invalid \\x{...} escape", 0);
    refused("\\xZ1", "invalid \\x escape", 0);
    refused(repeat("(", 300) + repeat(")", 300), "nested too deep", 256);
  });
});

describe("regex: adversarial patterns run in linear time", () => {
  it("(a*)*b, (a|a)*b, (a+)+$ on 10,000 a's", () => {
    const as = repeat("a", 10000);
    full("(a*)*b", [as + "b"], [as]);
    full("(a|a)*b", [as + "b"], [as]);
    full("(a+)+$", [as], [as + "!"]);
    partial("(a*)*b", [as + "b"], [as]);
    partial("(a+)+$", [as], [as + "!"]);
  });

  it("nested counted repetitions and wildcards", () => {
    const as = repeat("a", 10000);
    full("(.*a){20}", [as], [as + "b"]);
    full("(a|aa)*c", [as + "c"], [as]);
    full("(x+x+)+y", [], [repeat("x", 10000)]);
  });
});

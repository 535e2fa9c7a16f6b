"""Reference: kcli reads sasl.jaas.config as Apache's client does (JaasContext/JaasConfig), same errors.

A small Java program hands each string to the client's own path (ConfigDef's PASSWORD parsing, then
JaasContext.loadClientContext) and prints the login module entry or the exception's message; kcli's parser must
accept the same strings with the same module, flag and options, and reject the others with the same message.
"""

from __future__ import annotations

import random

import pytest

from kcli.clients.jaas import JaasSyntaxError, parse_client_entry
from kcli.clients.translate import to_librdkafka
from kcli.errors import ConfigError
from tests.java_ref import JavaProgram, compile_java

JAVA = r"""
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.AppConfigurationEntry.LoginModuleControlFlag;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.security.JaasContext;

public class JaasRef {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) b.append(String.format("%02x", x));
        return b.toString();
    }

    static String unhex(String h) {
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return new String(out, StandardCharsets.UTF_8);
    }

    static String flag(LoginModuleControlFlag f) {
        if (f == LoginModuleControlFlag.REQUIRED) return "required";
        if (f == LoginModuleControlFlag.REQUISITE) return "requisite";
        if (f == LoginModuleControlFlag.SUFFICIENT) return "sufficient";
        return "optional";
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            try {
                Object password = ConfigDef.parseType("sasl.jaas.config", unhex(line), ConfigDef.Type.PASSWORD);
                JaasContext context = JaasContext.loadClientContext(Map.of("sasl.jaas.config", password));
                AppConfigurationEntry entry = context.configurationEntries().get(0);
                StringBuilder out = new StringBuilder("OK\t" + hex(entry.getLoginModuleName()) + "\t"
                                                      + flag(entry.getControlFlag()));
                TreeMap<String, Object> options = new TreeMap<>();
                for (Map.Entry<String, ?> o : entry.getOptions().entrySet())  // a null key is printed as ~
                    options.put(o.getKey() == null ? "~" : hex(o.getKey()), o.getValue());
                for (Map.Entry<String, Object> o : options.entrySet())
                    out.append("\t").append(o.getKey()).append("=").append(hex((String) o.getValue()));
                System.out.println(out);
            } catch (RuntimeException e) {
                System.out.println("ERR\t" + e.getClass().getSimpleName() + "\t" + hex(String.valueOf(e.getMessage())));
            }
        }
    }
}
"""

PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule"

CASES = [
    # accepted
    f'{PLAIN} required username="alice" password="s3cret";',
    f'{PLAIN} required username="a\\"b" password="x=y;z";',
    f"\n  {PLAIN}\n\trequisite\n  username = 'bob'\n  password = \"p w\" ;\n",
    f"{PLAIN} SUFFICIENT user_name=alice-1 $x=y.z;",
    f"{PLAIN} Optional /* a comment */ username=alice // and another\n ;",
    f'{PLAIN} required password="tab\\tnew\\nline\\101\\\\";',
    f'"{PLAIN}" "required" "user name"="q";',
    f"{PLAIN} required;",
    # rejected
    f'{PLAIN} required username="alice" password="x;',
    f'{PLAIN} required username="alice" password="x',
    f'{PLAIN} required username="alice"',
    f"{PLAIN} required username password=x;",
    f"{PLAIN} required username=;",
    f"{PLAIN} required password=123;",
    f"{PLAIN} required password=p@ss;",
    f"{PLAIN} mandatory username=alice;",
    f"{PLAIN};",
    f"{PLAIN}",
    "",
    "   // only a comment",
    f"{PLAIN} required username=a; {PLAIN} required username=b;",
    '"" required username=a;',
    "com.sun.security.auth.module.JndiLoginModule required;",
]


def kcli_result(value: str) -> tuple[str, ...]:
    """kcli's answer in the Java program's form: ("OK", module, flag, *sorted options) or ("ERR", message)."""
    try:
        entry = parse_client_entry(value)
    except JaasSyntaxError as exc:
        return ("ERR", str(exc))
    options = sorted(("~" if k is None else k.encode().hex(), v) for k, v in entry.options.items())
    return ("OK", entry.module, entry.flag, *(f"{k}={v}" for k, v in options))


def java_results(program: JavaProgram, values: list[str]) -> list[tuple[str, ...]]:
    stdin = "".join(v.encode().hex() + "\n" for v in values)
    results = []
    for line in program.run_lines(stdin, len(values)):
        fields = line.split("\t")
        if fields[0] == "ERR":
            results.append(("ERR", bytes.fromhex(fields[2]).decode()))
        else:
            options = [k + "=" + bytes.fromhex(v).decode() for k, v in (f.split("=") for f in fields[3:])]
            results.append(("OK", bytes.fromhex(fields[1]).decode(), fields[2], *options))
    return results


def same(ours: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    if ours[0] == "ERR" and theirs[0] == "ERR":
        # AppConfigurationEntry's own exception has no message (Java prints "null"), kcli says what is missing;
        # the not-allowed message goes on about JVM system properties, which kcli has none of.
        return ours == theirs or theirs[1] == "null" or theirs[1].startswith(ours[1] + ". ")
    return ours == theirs


@pytest.fixture(scope="module")
def program(kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> JavaProgram:
    return compile_java(tmp_path_factory, "jaasref", "JaasRef", JAVA, kafka_libs)


@pytest.mark.java
def test_cases_match_apache(program: JavaProgram) -> None:
    theirs = java_results(program, CASES)
    ours = [kcli_result(v) for v in CASES]
    for value, kcli, java in zip(CASES, ours, theirs, strict=True):
        assert same(kcli, java), f"{value!r}: kcli {kcli}, Apache {java}"
    # the cases cover both sides, and the messages the brief names
    assert sum(r[0] == "OK" for r in theirs) == 8
    messages = {r[1] for r in theirs if r[0] == "ERR"}
    assert "Value not specified for key 'password' in JAAS config" in messages
    assert "JAAS config entry not terminated by semi-colon" in messages
    assert "Invalid login module control flag 'mandatory' in JAAS config" in messages
    assert "JAAS config property contains 2 login modules, should be 1 module" in messages


@pytest.mark.java
def test_rejections_reach_the_user_as_a_config_error_naming_the_key(program: JavaProgram) -> None:
    value = f'{PLAIN} required username="alice" password="x;'
    (java,) = java_results(program, [value])
    with pytest.raises(ConfigError) as info:
        to_librdkafka({"sasl.jaas.config": value})
    assert info.value.message == f"{java[1]} (key 'sasl.jaas.config')"
    assert info.value.exit_code == 2


PIECES = [PLAIN, "required", "optional", "Requisite", "bogus", "username", "password", "user_name", "$k", "a-b",
          "alice", "x.y", "=", "=", ";", ";", " ", " ", "\t", "\n", "\r\n", '"', '"', "'", "\\", '\\"', "\\n",
          "\\1", "\\477", "\\08", "/", "//", "/*", "*/", "*", "-", "-1", "1", "1.2.3", ".", "-.", "@", "#", "é",
          "日本", "\x7f", "\x85", "\xa0", "ß", '"a;b=c"', "'q'", "x=", "=y", '=""', f"; {PLAIN} optional"]


def fuzz_values(count: int, seed: int = 20261123) -> list[str]:
    """Near-valid strings: a good entry with pieces put in, dropped or swapped, and free piece soup."""
    rnd = random.Random(seed)
    values = []
    for _ in range(count):
        if rnd.random() < 0.7:
            password = rnd.choice(['"p;w=\\"x\\""', "pw", "'q'", '"\\477\\08\\1x\\q\\t"', "'it''s'"])
            flag = rnd.choice(["required", "optional", "REQUISITE", "sufficient"])
            tokens = [PLAIN, " ", flag, " ", "username", "=", '"alice"', " ", "password", "=", password, ";"]
            for _ in range(rnd.randint(0, 3)):
                action, at = rnd.random(), rnd.randrange(len(tokens) + 1)
                if action < 0.4:
                    tokens.insert(at, rnd.choice(PIECES))
                elif action < 0.7 and at < len(tokens):
                    del tokens[at]
                elif at < len(tokens):
                    tokens[at] = rnd.choice(PIECES)
        else:
            tokens = [rnd.choice(PIECES) for _ in range(rnd.randint(0, 12))]
        values.append("".join(tokens))
    return values


@pytest.mark.java
def test_fuzzed_strings_match_apache(program: JavaProgram) -> None:
    values = fuzz_values(3000)
    theirs = java_results(program, values)
    mismatches = [(v, kcli_result(v), j) for v, j in zip(values, theirs, strict=True) if not same(kcli_result(v), j)]
    assert not mismatches, "\n".join(f"{v!r}: kcli {k}, Apache {j}" for v, k, j in mismatches[:10])
    accepted = sum(r[0] == "OK" for r in theirs)
    assert 300 < accepted < 2700, accepted  # both outcomes are well exercised

"""`kcli consume`: the console consumer (kafka-console-consumer.sh), same flags and the same bytes.

This module only declares options; checking them, the consumer and the formatting live in kcli.console.consume.
"""

from __future__ import annotations

from typing import Any

import click

from kcli.cli.completion import complete_topics
from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.console.spelling import Renamed, resolve_client_spellings
from kcli.durations import Duration

PAIRS = (
    Renamed("--command-property", "--consumer-property", "command_property", "consumer_property"),
    Renamed("--command-config", "--consumer.config", "command_config_new", "consumer_config"),
    Renamed("--formatter-property", "--property", "formatter_property", "old_property"),
)

EPILOG = """Formatter properties (--formatter-property): print.timestamp, print.key, print.value, print.partition,
print.offset, print.headers, key.separator, line.separator, headers.separator, null.literal, key.deserializer,
value.deserializer. Beyond Apache: --offset -N (last N per partition), --offset @TIME (ISO-8601 or epoch ms),
--output json (one envelope per record; bytes that are not UTF-8 are base64 and marked *_encoding), -f FORMAT
(kcat tokens %t %p %o %k %s %h %T %K %S). `Processed a total of N messages` goes to stderr.
--timeout-ms takes a duration (30s, 5m, 1500ms or bare milliseconds). Bounded reads (beyond Apache): -e stops at
the end offsets of the start, --until at an offset or a time, both exclusive (`--offset 10 --until 20` prints
offsets 10..19); with --max-messages and --timeout-ms, whichever comes first ends the command. A broker that
does not answer the first metadata request within 10s (-X default.api.timeout.ms=… changes it) ends the command.

\b
Exit codes:
  0  stopped by --max-messages, --timeout-ms of silence, -e/--until reached, Ctrl-C/SIGTERM or a closed stdout
  1  the broker was unreachable, the --topic does not exist or has no such --partition (without --group), or a
     record could not be formatted
  2  usage or input error before anything was read (bad flag, malformed file or property)"""


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--topic", shell_complete=complete_topics, help="The topic to consume.")
@click.option("--include", metavar="REGEX", help="Consume every topic whose whole name matches REGEX.")
@click.option("--group", help="Consumer group id; offsets are committed so the next run resumes.")
@click.option("--from-beginning", is_flag=True, help="Start at the earliest offset when there is no committed one.")
@click.option("--partition", type=JavaInt(minimum=0),
              help="Read only this partition (starts at the end unless --offset).")
@click.option("--offset", "offset_spec", metavar="OFFSET",
              help="earliest, latest, N, -N (last N per partition) or @TIME (ISO-8601 or epoch ms).")
@click.option("--max-messages", type=JavaInt(minimum=0), help="Stop after this many records.")
@click.option("--timeout-ms", type=Duration(), help="Stop when no record arrives for this long (e.g. 5s, 1500).")
@click.option("-e", "--exit-at-end", is_flag=True,
              help="Stop once every partition reached the end offset it had at start (as kcat -e).")
@click.option("--until", metavar="OFFSET|@TIME",
              help="Stop before offset N in every partition, or before the first record stamped TIME or later "
              "(ISO-8601 or epoch ms).")
@click.option("--isolation-level", type=click.Choice(["read_committed", "read_uncommitted"]))
@click.option("--key-deserializer", help="String, ByteArray, Integer, Long, Short, Float, Double, UUID (or the "
              "Apache class name).")
@click.option("--value-deserializer", help="As --key-deserializer, for values.")
@click.option("--formatter", help="DefaultMessageFormatter (default) or NoOpMessageFormatter.")
@click.option("--formatter-config", multiple=True, type=click.Path(dir_okay=False), help="Formatter properties file.")
@click.option("--formatter-property", multiple=True, metavar="K=V", help="Formatter setting (repeatable).")
@click.option("--property", "old_property", multiple=True, metavar="K=V", help="Old name of --formatter-property.")
@click.option("--command-property", multiple=True, metavar="K=V", help="Consumer setting (repeatable).")
@click.option("--consumer-property", multiple=True, metavar="K=V", help="Old name of --command-property.")
@click.option("--consumer.config", "consumer_config", multiple=True, type=click.Path(dir_okay=False),
              help="Old name of --command-config.")
@click.option("--skip-message-on-error", is_flag=True, help="Report and skip a record that cannot be formatted.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default=None,
              help="text (Apache's layout, default) or json (one envelope per record).")
@click.option("-f", "--format", "fmt", metavar="FORMAT", help="kcat format string, e.g. '%k=%s\\n'.")
@click.option("--enable-systest-events", is_flag=True, hidden=True)
@client_options(property_flag=None)
def command(client: ClientOptions, **params: Any) -> None:
    """Read records from a topic and print them (kafka-console-consumer.sh)."""
    from kcli.console.consume import ConsumeArgs, run

    client, chosen = resolve_client_spellings(client, params, PAIRS)
    args = ConsumeArgs.from_params({**params, "formatter_property": tuple(chosen["formatter_property"] or ())})
    run(args, client)

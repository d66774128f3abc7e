// The reference text and the commented example of [pricing] (a table of per-model tables, so it
// has no leaf keys for the generated tables to list).

export const PRICING_DOC = `One table per model name as sent upstream. Amounts are per 1M tokens, as decimal numbers or
strings (\`0.2\` or \`"0.2"\`; at most 6 decimal places, never negative). A model without a table
costs nothing: its requests are recorded with no cost and no currency, logged once per process and
counted in \`dsp_unpriced_requests_total{model}\`.

| key | type | default | meaning |
|---|---|---|---|
| \`currency\` | ISO 4217 code | \`"CNY"\` | one currency per model |
| \`input_cache_hit\` | decimal >= 0 | required | prompt tokens served from DeepSeek's context cache |
| \`input_cache_miss\` | decimal >= 0 | required | other prompt tokens (prompt tokens that DeepSeek did not split into hit and miss count as misses) |
| \`output\` | decimal >= 0 | required | completion tokens, reasoning included |
| \`off_peak\` | \`{ from = "HH:MM", to = "HH:MM", tz = "UTC", factor = 0.5 }\` | none | discounted hours: the three prices times \`factor\` (0..1, at most 4 decimal places) for requests that start in [from, to) local time in \`tz\`; \`to\` before \`from\` spans midnight |
| \`changes\` | array of tables | \`[]\` | later prices: each has \`from\` (a date-time with a UTC offset) and the three prices, and may set \`off_peak\` (a table, or \`false\` to end the discount); listed in time order |

A request is priced at its start time (the gateway's clock when the request arrived): the last
change whose \`from\` is at or before it (else the base prices), then the off-peak factor if it
started inside the window. Cost = (cache-hit tokens × hit price + cache-miss tokens × miss price +
completion tokens × output price) × factor / 1,000,000, computed exactly and rounded half-up to
1e-9 of the currency once per request (with at most 3 decimal places in price × factor, as for every
DeepSeek price so far, nothing is ever rounded). Every problem in [pricing] (a negative or
non-numeric price, an unknown currency, changes out of order or at the same instant, a bad off-peak
time, an unknown key) is refused at start, all of them in one error, each naming its key.`;

export const PRICING_EXAMPLE = `[pricing."deepseek-v4-flash"]
currency = "CNY"
input_cache_hit = 0.2
input_cache_miss = 2
output = 3
off_peak = { from = "16:30", to = "00:30", tz = "UTC", factor = 0.5 }
[[pricing."deepseek-v4-flash".changes]]
from = 2027-01-01T00:00:00Z
input_cache_hit = 0.1
input_cache_miss = 1
output = 2`;

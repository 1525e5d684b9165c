"""Completions no reward may raise on or pay for (issue: odd input never raises)."""

ODD_INPUTS = {
    "empty": "",
    "whitespace": " \n\t  \n ",
    "control_characters": "\x01\x02\x07\x1b[31mred\x1b[0m\x7f",
    "nul": "forecast\x00\x00\x00 text",
    "lone_surrogates": "\ud800 broken \udfff decode",
    "bom_zero_width_only": "\ufeff\u200b\u200c\u200d\u2060\u034f\u00ad" * 20,
    "zwj_sequences": "👨\u200d👩\u200d👧\u200d👦 " * 50,
    "rtl_override": "\u202egnirts desrever\u202c and \u2066isolate\u2069",
    "combining_marks": "a" + "\u0301" * 2000,
    "one_long_word": "x" * 100_000,
    "long_prose": ("The council met again on Tuesday, and the vote was delayed once more. " * 1500)[
        :100_000
    ],
}

"""Bad conversations: chat turns (JSONL) and LoCoMo files (cases of the bad-input corpus)."""

from __future__ import annotations

import json

from badinput_corpus import Corpus

GOOD_TURNS = [
    {
        "speaker": "Caroline",
        "text": f"I visited museum number {i} in Lisbon.",
        "timestamp": f"2024-05-0{i}T10:00:00Z",
        "conversation_id": "trip",
    }
    for i in range(1, 6)
]
LOCOMO_GOOD_SESSION = [{"speaker": "Mel", "text": "I adopted a dog named Rex.", "dia_id": "D1:1"}]


def chat(c: Corpus) -> None:
    good = [json.dumps(t) for t in GOOD_TURNS]
    bad_times = [
        1e20,
        -1e20,
        True,
        False,
        float("nan"),
        float("inf"),
        "2023-13-45",
        "yesterday",
        "",
        None,
        [2023],
        {"t": 1},
        "99999-01-01",
        1e308,
        "2023-02-30T10:00:00",
    ]
    lines = list(good)
    for value in bad_times:
        record = {"speaker": "Caroline", "text": "I moved.", "conversation_id": "trip"}
        if value is not None:
            record["timestamp"] = value
        lines.append(json.dumps(record))
    lines.append(json.dumps({"speaker": "Caroline", "timestamp": "2024-05-09T10:00:00Z", "conversation_id": "trip"}))
    lines.append(
        '{"speaker": "Caroline", "text": "hi", "timestamp": "2024-05-09T10:00:00Z", "conversation_id": "bad\\udc80"}'
    )
    expected = [
        (f"chat-timestamp-{i}", f"chat-mixed.jsonl:{n}", "no valid 'timestamp'")
        for i, n in enumerate(range(6, 6 + len(bad_times)))
    ]
    n = 6 + len(bad_times)
    expected += [
        ("chat-no-text", f"chat-mixed.jsonl:{n}", "has no 'text'"),
        ("chat-surrogate-conversation", "chat-mixed.jsonl#bad", "invalid unicode"),
    ]
    c.mixed("records/chat-mixed.jsonl", "\n".join(lines) + "\n", "\n".join(good) + "\n", expected)


def locomo(c: Corpus) -> None:
    c.bad("locomo-empty-list", "locomo-empty.json", "[]", "no locomo documents", group="locomo")
    c.bad("locomo-object", "locomo-object.json", "{}", "expects a json list", group="locomo")
    c.bad(
        "locomo-no-sessions",
        "locomo-nosessions.json",
        json.dumps([{"sample_id": "s", "conversation": {}}]),
        "no locomo documents",
        group="locomo",
    )
    c.bad(
        "locomo-scalar-sample",
        "locomo-scalars.json",
        "[1]",
        "needs 'sample_id'",
        group="locomo",
        named="locomo-scalars.json[0]",
    )
    conv = {"speaker_a": "Mel", "session_1": LOCOMO_GOOD_SESSION, "session_1_date_time": "1:56 pm on 8 May, 2023"}
    bad_dates = {
        2: "1:56 pm on 45 May, 2023",
        3: "13:30 pm on 8 May, 2023",
        4: 12345,
        5: "1:56 pm on 8 Foo, 2023",
        6: "1:56 pm on 8 May, 0000",
        7: "9:99 am on 1 January, 2023",
        8: ["1:56 pm on 8 May, 2023"],
        9: "sometime last spring",
        10: "1:56 pm on 31 February, 2023",
    }
    for number, date in bad_dates.items():
        conv[f"session_{number}"] = [{"speaker": "Mel", "text": f"Session {number} talk.", "dia_id": f"D{number}:1"}]
        conv[f"session_{number}_date_time"] = date
    conv["session_11"] = [None, {"speaker": "Mel"}, {"speaker": "Mel", "text": ""}]
    conv["session_11_date_time"] = "2:00 pm on 9 May, 2023"
    conv["session_" + "9" * 40] = LOCOMO_GOOD_SESSION  # a key no session number can be: ignored, never a crash
    sample = {"sample_id": "conv-x", "conversation": conv}
    clean = {
        "sample_id": "conv-x",
        "conversation": {
            "speaker_a": "Mel",
            "session_1": LOCOMO_GOOD_SESSION,
            "session_1_date_time": "1:56 pm on 8 May, 2023",
        },
    }
    expected = [(f"locomo-date-{n}", f"locomo-mixed.json[conv-x/session_{n}]", "not a locomo date") for n in bad_dates]
    expected += [(f"locomo-turn-{j}", f"locomo-mixed.json[conv-x/session_11/{j}]", "has no 'text'") for j in range(3)]
    expected += [
        ("locomo-no-conversation", "locomo-mixed.json[1]", "needs 'sample_id'"),
        ("locomo-surrogate-speaker", "locomo-mixed.json#conv-y", "invalid unicode"),
    ]
    bad_speaker = (
        '{"sample_id": "conv-y", "conversation": {"session_1": [{"speaker": "M\\ud800", "text": "t"}], '
        '"session_1_date_time": "1:56 pm on 8 May, 2023"}}'
    )
    c.mixed(
        "locomo-mixed.json",
        "[" + json.dumps(sample) + ', {"sample_id": "n", "conversation": 5}, ' + bad_speaker + "]",
        json.dumps([clean]),
        expected,
        group="locomo",
    )

"""Generated support tickets: a table of free text and a queue label, for the text families.

Nothing is downloaded: each ticket is written from templates of its queue, with words every queue
shares (orders, accounts, the app), cross-queue phrases (a refund asked about a late parcel), typos
and a share of mislabelled rows, so neither TF-IDF nor a Transformer finds the task trivial.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

QUEUES: dict[str, dict[str, list[str]]] = {
    "billing": {
        "issue": [
            "I was charged twice for my {item}",
            "the invoice for {month} shows the wrong amount",
            "my card payment for the {item} failed but the money left my account",
            "why did my subscription price go up this {month}",
            "please send a VAT invoice for order {num}",
            "the bill says I owe {num} but I paid already",
        ],
        "ask": ["can you fix the charge", "please correct the invoice", "explain the fee"],
    },
    "technical": {
        "issue": [
            "the app crashes when I open the {item} page",
            "I get error {num} when I try to log in",
            "the website is very slow and the {item} page never loads",
            "sync stopped working on my phone since the update",
            "the download button does nothing on the {item} screen",
            "I cannot upload a photo, it says server error",
        ],
        "ask": ["please fix the bug", "is the service down", "how do I get it working"],
    },
    "shipping": {
        "issue": [
            "my {item} has not arrived and the tracking has not moved since {month}",
            "the courier left the parcel at the wrong address",
            "order {num} says delivered but nothing came",
            "the {item} arrived damaged in a crushed box",
            "can I change the delivery address for order {num}",
            "the package is stuck in customs",
        ],
        "ask": ["where is my order", "please send it again", "when will it arrive"],
    },
    "account": {
        "issue": [
            "I forgot my password and the reset email never comes",
            "please change the email address on my account",
            "someone logged into my account from another country",
            "I want to delete my account and my data",
            "two factor codes do not reach my phone",
            "my account was locked after I changed my {item} details",
        ],
        "ask": ["please unlock it", "how do I update my profile", "help me get back in"],
    },
    "refund": {
        "issue": [
            "I returned the {item} in {month} and still have no refund",
            "I want my money back for order {num}",
            "the refund for my cancelled {item} is missing",
            "you refunded only part of order {num}",
            "how long does a refund take to reach my card",
            "I cancelled within the trial but was not refunded",
        ],
        "ask": ["please refund me", "when do I get my money", "I want a full refund"],
    },
}
ITEMS = ["headphones", "laptop", "jacket", "coffee machine", "phone case", "subscription", "order"]
MONTHS = ["january", "march", "may", "july", "september", "november"]
OPENERS = ["hi", "hello", "hey team", "good morning", "dear support", ""]
FILLERS = [
    "this is the second time I write",
    "I have been a customer for years",
    "my order number is in the app",
    "thanks in advance",
    "this is really frustrating",
    "I tried the app and the website",
    "",
]


def _ticket(rng: Any, queue: str) -> str:
    own = QUEUES[queue]
    other = QUEUES[str(rng.choice(sorted(QUEUES)))]
    parts = [
        str(rng.choice(OPENERS)),
        str(rng.choice(own["issue"])),
        str(rng.choice(FILLERS)),
        # a phrase of another queue: a late parcel and a refund in one ticket
        str(rng.choice(other["issue"])) if rng.random() < 0.3 else "",
        str(rng.choice(own["ask"])) if rng.random() < 0.7 else str(rng.choice(other["ask"])),
    ]
    text = ". ".join(p for p in parts if p).format(
        item=rng.choice(ITEMS), month=rng.choice(MONTHS), num=int(rng.integers(1000, 99999))
    )
    return _typos(rng, text)


def _typos(rng: Any, text: str) -> str:
    """Swap two neighbouring letters in about one word in twenty."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 3 and rng.random() < 0.05:
            j = int(rng.integers(0, len(word) - 1))
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def support_tickets(rows: int = 3000, seed: int = 0, noise: float = 0.06) -> Any:
    """A DataFrame: `text` (the ticket), `priority` (1-3, unrelated to the queue) and `queue` (the
    label; a `noise` share of rows given a random queue)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    queues = sorted(QUEUES)
    labels = [queues[i % len(queues)] for i in range(rows)]
    rng.shuffle(labels)
    texts = [_ticket(rng, queue) for queue in labels]
    noisy = rng.random(rows) < noise
    labels = [str(rng.choice(queues)) if n else q for q, n in zip(labels, noisy, strict=True)]
    priority = rng.integers(1, 4, size=rows)
    return pd.DataFrame({"text": texts, "priority": priority, "queue": labels})


def tickets_csv(path: Path, rows: int = 400, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    support_tickets(rows, seed).to_csv(path, index=False)
    return path


# a queue's typical hours to resolve a ticket: the text says which queue, and so roughly how long
HOURS = {"account": 6.0, "billing": 12.0, "technical": 30.0, "shipping": 48.0, "refund": 72.0}


def resolution_hours(rows: int = 300, seed: int = 0) -> Any:
    """A DataFrame: `text` (the ticket), `priority` and `hours` to resolve it (the queue's typical
    hours, longer for a second message or a frustrated one, with a log-normal spread): a number
    the text predicts, but not exactly."""
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    frame = support_tickets(rows, seed, noise=0.0)
    base = frame["queue"].map(HOURS).to_numpy()
    slower = frame["text"].str.contains("second time|frustrating").to_numpy()
    hours = base * np.where(slower, 1.5, 1.0) * rng.lognormal(0.0, 0.25, size=rows)
    return frame.drop(columns="queue").assign(hours=np.round(hours, 1))

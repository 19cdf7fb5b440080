"""Built-in sample texts for validation: everyday English plus text that stresses tokenizers.

``CALIBRATION_TEXTS`` (quantization calibration) share no sentence with ``SAMPLE_TEXTS``, so the agreement
that validation reports is not measured on the texts the int8 graph was tuned on.
"""

SAMPLE_TEXTS = (
    "I absolutely loved this movie, the acting was wonderful.",
    "The service was slow and the food arrived cold.",
    "Thanks for your help yesterday, it made a big difference.",
    "I am not sure whether the meeting is on Tuesday or Wednesday.",
    "This is the worst phone I have ever owned.",
    "She dont like going to the store on sundays.",
    "We was planning to visit our grandparents next week.",
    "Their going to the park after school tomorrow.",
    "He have two cats and a dog named Max.",
    "Could you please send me the report by Friday?",
    "The weather is nice today, so let's go for a walk.",
    "I would like to order a large pizza with extra cheese.",
    "The new update broke everything and support never answered.",
    "What a beautiful day it has been!",
    "Looking forward to seeing you at the conference next month.",
    "Honestly, the book was better than the film.",
    "My brother and me goes to the gym every morning.",
    "It's raining again, and I forgot my umbrella at home.",
    "Please let me know if you have any questions about the invoice.",
    "The hotel room was clean, quiet and very comfortable.",
    "Café crème, naïve résumé and jalapeño: accents everywhere.",
    "Mixed scripts: 東京 is big, Москва is cold, and 😀 is a smile.",
    "Numbers like 3.14159, 1,000,000 and 42% appear too.",
    "Weird   spacing\tand\nnew lines, plus UNUSUALLYLONGWORDSWITHOUTSPACES.",
    "e-mail me at someone@example.com or call +1 (555) 010-9999!!!",
)

CALIBRATION_TEXTS = (
    "Hi Sam, just checking whether you got my message about the party on Saturday.",
    "The hotel room was clean but the walls were so thin we barely slept.",
    "Please let me know if you have any questions about the invoice.",
    "I can't believe how quickly the summer went by this year.",
    "The committee will publish its final report early next spring.",
    "Our flight was delayed for three hours and nobody told us why.",
    "It was the best of times, it was the worst of times.",
    "Do you want to grab lunch together after the meeting?",
    "The government must invest more in schools, roads and hospitals.",
    "Great little camera, easy to use and the pictures look sharp.",
    "She opened the letter slowly, afraid of what it might say.",
    "Sorry for the late reply, I was travelling all week.",
)


def word_prefixes(text: str, limit: int = 12) -> list[str]:
    """The text cut after each of its first ``limit`` words: more positions to compare at little cost."""
    words = text.split()
    return [" ".join(words[: i + 1]) for i in range(min(limit, len(words)))]

"""The marketers' settings forms of the challenge types: what a posted form is stored as, the
seed's settings surviving a round trip through the form, clear errors for wrong input, and no
form for the types without settings."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from werkzeug.datastructures import MultiDict

from app.challenges import REGISTRY, get_type
from app.demo.journey import CHALLENGES

NO_CSRF = {"meta": {"csrf": False}}
WITH_SETTINGS = ["question", "poll", "profile", "content", "quote", "review", "event", "share"]
WITHOUT_SETTINGS = ["nps", "case_story", "reference_call", "referral", "linkedin_intro"]


@contextmanager
def english_post(app, data=None):
    with app.test_request_context(method="POST", data=data or {}, headers={"Accept-Language": "en"}):
        yield


def post(app, type_key, data):
    """(valid?, stored config or None, {field: [English errors]}) for posted `data`."""
    formdata = MultiDict(data)
    with english_post(app, formdata):
        ctype = get_type(type_key)
        form = ctype.config_form(formdata=formdata, **NO_CSRF)
        valid = form.validate()
        errors = {name: [str(error) for error in errs] for name, errs in form.errors.items()}
        return valid, (ctype.config_from_form(form) if valid else None), errors


def as_posted(form) -> MultiDict:
    """What a browser would post back for a pre-filled form."""
    data = MultiDict()
    for field in form:
        if isinstance(field.data, list):
            for value in field.data:
                data.add(field.name, value)
        elif isinstance(field.data, bool):
            if field.data:
                data.add(field.name, "y")
        elif field.data is not None:
            data.add(field.name, str(field.data))
    return data


def test_the_types_with_and_without_settings_are_all_the_types(app):
    assert sorted(WITH_SETTINGS + WITHOUT_SETTINGS) == sorted(REGISTRY)


# --- what a posted form is stored as -----------------------------------------------------------

POSTED = {
    "question": (
        {"min_length": " 25 "},
        {"min_length": 25},
    ),
    "poll": (
        {"option_1_nl": " Ja ", "option_1_en": "Yes ", "option_2_nl": "", "option_2_en": "",
         "option_3_nl": "Nee", "option_3_en": "No", "multiple": "y"},
        {"multiple": True, "options": [{"nl": "Ja", "en": "Yes"}, {"nl": "Nee", "en": "No"}]},
    ),
    "profile": (
        {"topic_2_nl": "Integraties", "topic_2_en": "Integrations"},
        {"topics": [{"nl": "Integraties", "en": "Integrations"}]},
    ),
    "content": (
        {"url": " https://example.com/article ", "kind": "article", "link_label_nl": "", "link_label_en": ""},
        {"url": "https://example.com/article", "kind": "article", "link_label": {"nl": "", "en": ""}},
    ),
    "quote": (
        {"channels": ["events", "website", "events"]},
        {"channels": ["website", "events"]},
    ),
    "review": (
        {"site_name": "Capterra", "site_url": "https://www.capterra.com/p/123/reviews"},
        {"site_name": "Capterra", "site_url": "https://www.capterra.com/p/123/reviews"},
    ),
    "event": (
        {"event_nl": "Klantendag", "event_en": "Customer day", "slot_1_nl": "Ochtend", "slot_1_en": "Morning",
         "roles": ["speaker", "co_host"]},
        {"event": {"nl": "Klantendag", "en": "Customer day"}, "slots": [{"nl": "Ochtend", "en": "Morning"}],
         "roles": ["co_host", "speaker"]},
    ),
    "share": (
        {"message_nl": "Misschien iets voor jou?", "message_en": "Perhaps something for you?"},
        {"message": {"nl": "Misschien iets voor jou?", "en": "Perhaps something for you?"}},
    ),
}


@pytest.mark.parametrize("type_key", WITH_SETTINGS)
def test_a_posted_form_is_stored_as_the_config_the_type_reads(app, type_key):
    data, expected = POSTED[type_key]
    valid, config, errors = post(app, type_key, data)
    assert valid, errors
    assert config == expected


def test_a_poll_with_one_choice_or_several(app):
    data = {"option_1_nl": "Ja", "option_1_en": "Yes", "option_2_nl": "Nee", "option_2_en": "No"}
    assert post(app, "poll", data)[1]["multiple"] is False
    assert post(app, "poll", {**data, "multiple": "y"})[1]["multiple"] is True


def test_optional_settings_may_stay_empty(app):
    assert post(app, "profile", {})[1] == {"topics": []}
    valid, config, _errors = post(app, "content", {"url": "http://example.com/v", "kind": "video"})
    assert valid and config == {"url": "http://example.com/v", "kind": "video", "link_label": {"nl": "", "en": ""}}


# --- the seed's settings through the form and back ---------------------------------------------

SEEDED = [(key, type_key, config) for (_lvl, key, type_key, *_rest, config) in CHALLENGES if type_key in WITH_SETTINGS]


def test_the_seed_has_an_example_of_every_type_with_settings():
    assert {type_key for _key, type_key, _config in SEEDED} == set(WITH_SETTINGS)


@pytest.mark.parametrize(("key", "type_key", "config"), SEEDED, ids=[key for key, *_ in SEEDED])
def test_a_form_prefilled_from_the_seed_posts_back_the_same_config(app, key, type_key, config):
    ctype = get_type(type_key)
    with english_post(app):
        form = ctype.config_form(formdata=None, config=config, **NO_CSRF)
        posted = as_posted(form)
        for field in form:
            assert field()  # every pre-filled field renders
    with english_post(app, posted):
        form = ctype.config_form(formdata=posted, **NO_CSRF)
        assert form.validate(), form.errors
        assert ctype.config_from_form(form) == config


def test_prefilled_texts_show_in_their_own_inputs(app):
    event = next(c for _k, t, c in SEEDED if t == "event")
    with english_post(app):
        form = get_type("event").config_form(config=event, **NO_CSRF)
        assert form.event_nl.data == "Klantendag 2027" and form.event_en.data == "Customer Day 2027"
        assert form.slot_2_en.data == "Afternoon session (14:00–15:00)"
        assert not form.slot_3_nl.data
        html = form.slot_1_nl()
        assert 'name="slot_1_nl"' in html and "Ochtendsessie" in html
        assert str(form.slot_1_nl.label.text) == "Moment 1 in Dutch"
        assert str(form.slot_1_en.label.text) == "Moment 1 in English"


def test_a_config_with_more_items_than_the_usual_rows_keeps_them_all(app):
    options = [{"nl": f"Optie {n}", "en": f"Option {n}"} for n in range(1, 12)]
    config = {"multiple": False, "options": options}
    ctype = get_type("poll")
    with english_post(app):
        form = ctype.config_form(config=config, **NO_CSRF)
        assert "option_11_nl" in form and "option_12_nl" in form  # one empty row to add another
        posted = as_posted(form)
    valid, stored, errors = post(app, "poll", posted)
    assert valid, errors
    assert stored == config


def test_posted_rows_beyond_the_usual_number_are_read_up_to_the_maximum(app):
    data = {"option_1_nl": "Ja", "option_1_en": "Yes", "option_12_nl": "Nee", "option_12_en": "No",
            "option_21_nl": "Te veel", "option_21_en": "Too many", "option_999999_nl": "x"}
    valid, config, errors = post(app, "poll", data)
    assert valid, errors
    assert config["options"] == [{"nl": "Ja", "en": "Yes"}, {"nl": "Nee", "en": "No"}]


def test_a_new_challenge_starts_from_the_default_config(app):
    with english_post(app):
        for type_key in WITH_SETTINGS:
            ctype = get_type(type_key)
            default = ctype.default_config()
            assert isinstance(default, dict) and default, type_key
            form = ctype.config_form(**NO_CSRF)  # nothing given: pre-filled with the defaults
            assert form.data == ctype.config_form(config=default, **NO_CSRF).data
        assert get_type("question").config_form(**NO_CSRF).min_length.data == 3
        assert get_type("quote").config_form(**NO_CSRF).channels.data == [
            "website", "social", "sales_material", "events"]
        assert get_type("event").config_form(**NO_CSRF).roles.data == ["co_host", "speaker", "panel", "host_site"]
        assert get_type("share").config_form(**NO_CSRF).message_en.data


@pytest.mark.parametrize("type_key", ["question", "profile", "quote", "share"])
def test_defaults_that_need_no_input_are_valid_settings(app, type_key):
    ctype = get_type(type_key)
    with english_post(app):
        posted = as_posted(ctype.config_form(**NO_CSRF))
    valid, config, errors = post(app, type_key, posted)
    assert valid, errors
    assert config == ctype.default_config()


def test_odd_stored_configs_still_prefill(app):
    with english_post(app):
        assert get_type("question").config_form(config={"min_length": "lots"}, **NO_CSRF).min_length.data == 3
        assert get_type("question").config_form(config={"min_length": 5000}, **NO_CSRF).min_length.data == 1000
        form = get_type("poll").config_form(config={"options": ["Ja", 7, None, {"nl": 3}]}, **NO_CSRF)
        assert form.option_1_nl.data == "Ja" and form.option_1_en.data == "Ja"
        assert not form.option_2_nl.data
        form = get_type("content").config_form(config={"kind": "podcast", "url": 5}, **NO_CSRF)
        assert form.kind.data == "article" and form.url.data == ""
        form = get_type("quote").config_form(config={"channels": ["tv"]}, **NO_CSRF)
        assert form.channels.data == ["website", "social", "sales_material", "events"]
        form = get_type("event").config_form(config={"roles": ["speaker", "dj"], "event": "Klantendag"}, **NO_CSRF)
        assert form.roles.data == ["speaker"] and form.event_en.data == "Klantendag"


# --- wrong input ---------------------------------------------------------------------------------

HUGE = "x" * 100_000

# type → [(posted data, field with the error, the English error)]
WRONG = {
    "question": [
        ({"min_length": "0"}, "min_length", "Enter a whole number from 1 to 1000."),
        ({"min_length": "1001"}, "min_length", "Enter a whole number from 1 to 1000."),
        ({"min_length": "ten"}, "min_length", "Enter a whole number from 1 to 1000."),
        ({"min_length": ""}, "min_length", "Enter a whole number from 1 to 1000."),
        ({}, "min_length", "Enter a whole number from 1 to 1000."),
        ({"min_length": "9" * 10_000}, "min_length", "Enter a whole number from 1 to 1000."),
        ({"min_length": "\x00"}, "min_length", "Enter a whole number from 1 to 1000."),
    ],
    "poll": [
        ({}, "option_1_nl", "Give at least two options, each in Dutch and English."),
        ({"option_1_nl": "Ja", "option_1_en": "Yes"}, "option_1_nl", "Give at least two options"),
        ({"option_1_nl": "\x00", "option_1_en": " \x00 ", "option_2_nl": "Nee", "option_2_en": "No"},
         "option_1_nl", "Give at least two options"),
        ({"option_1_nl": "Ja", "option_1_en": "Yes", "option_2_nl": "Nee"},
         "option_2_en", "Also fill in the English text: every text needs both languages."),
        ({"option_1_nl": "Ja", "option_1_en": "Yes", "option_2_en": "No"},
         "option_2_nl", "Also fill in the Dutch text: every text needs both languages."),
        ({"option_1_nl": HUGE, "option_1_en": "Yes", "option_2_nl": "Nee", "option_2_en": "No"},
         "option_1_nl", "Use at most 200 characters."),
    ],
    "profile": [
        ({"topic_3_en": "Security"}, "topic_3_nl", "Also fill in the Dutch text"),
        ({"topic_1_nl": "Beveiliging", "topic_1_en": HUGE}, "topic_1_en", "Use at most 200 characters."),
    ],
    "content": [
        ({"kind": "video"}, "url", "Fill in the link to the article or video."),
        ({"url": "\x00", "kind": "video"}, "url", "Fill in the link to the article or video."),
        ({"url": "javascript:alert(1)", "kind": "video"}, "url",
         "Enter a full link that starts with http:// or https://"),
        ({"url": "ftp://example.com/file", "kind": "video"}, "url", "Enter a full link"),
        ({"url": "https://exa mple.com/", "kind": "video"}, "url", "Enter a full link"),
        ({"url": "https://localhost/video", "kind": "video"}, "url", "Enter a full link"),
        ({"url": "example.com/video", "kind": "video"}, "url", "Enter a full link"),
        ({"url": "https://user@evil.example/", "kind": "video"}, "url", "Enter a full link"),
        ({"url": "https://example.com/" + "a" * 500, "kind": "video"}, "url", "Use at most 500 characters."),
        ({"url": "https://example.com/"}, "kind", "Choose article or video."),
        ({"url": "https://example.com/", "kind": "podcast"}, "kind", "Choose article or video."),
        ({"url": "https://example.com/", "kind": "video", "link_label_nl": "Kijk"},
         "link_label_en", "Also fill in the English text"),
        ({"url": "https://example.com/", "kind": "video", "link_label_nl": HUGE, "link_label_en": "Watch"},
         "link_label_nl", "Use at most 100 characters."),
    ],
    "quote": [
        ({}, "channels", "Choose at least one place where quotes may be used."),
        ({"channels": ["website", "billboards"]}, "channels", "Choose from the options shown."),
        ({"channels": HUGE}, "channels", "Choose from the options shown."),
    ],
    "review": [
        ({"site_url": "https://www.g2.com/p/reviews"}, "site_name", "Fill in the name of the review site."),
        ({"site_name": "\x00", "site_url": "https://www.g2.com/p/reviews"}, "site_name", "Fill in the name"),
        ({"site_name": "G" * 81, "site_url": "https://www.g2.com/p/reviews"}, "site_name",
         "Use at most 80 characters."),
        ({"site_name": "G2"}, "site_url", "Fill in the link to your reviews on the review site."),
        ({"site_name": "G2", "site_url": "http://www.g2.com/p/reviews"}, "site_url",
         "Enter a full link that starts with https://"),
        ({"site_name": "G2", "site_url": "javascript:alert(1)//https://g2.com"}, "site_url", "Enter a full link"),
        ({"site_name": "G2", "site_url": "https://evil.example\\.g2.com/"}, "site_url", "Enter a full link"),
        ({"site_name": "G2", "site_url": "https://" + HUGE + ".com"}, "site_url", "Use at most 500 characters."),
    ],
    "event": [
        ({"event_nl": "Klantendag", "slot_1_nl": "Ochtend", "slot_1_en": "Morning", "roles": "speaker"},
         "event_en", "Fill in the event's name in English."),
        ({"event_en": "Customer day", "slot_1_nl": "Ochtend", "slot_1_en": "Morning", "roles": "speaker"},
         "event_nl", "Fill in the event's name in Dutch."),
        ({"event_nl": "Klantendag", "event_en": "Customer day", "roles": "speaker"},
         "slot_1_nl", "Give at least one moment customers can choose, in Dutch and English."),
        ({"event_nl": "Klantendag", "event_en": "Customer day", "slot_2_nl": "Middag", "roles": "speaker"},
         "slot_2_en", "Also fill in the English text"),
        ({"event_nl": "Klantendag", "event_en": "Customer day", "slot_1_nl": "Ochtend", "slot_1_en": "Morning"},
         "roles", "Choose at least one role."),
        ({"event_nl": "Klantendag", "event_en": "Customer day", "slot_1_nl": "Ochtend", "slot_1_en": "Morning",
          "roles": ["speaker", "juggler"]}, "roles", "Choose from the options shown."),
        ({"event_nl": HUGE, "event_en": "Customer day", "slot_1_nl": "Ochtend", "slot_1_en": "Morning",
          "roles": "speaker"}, "event_nl", "Use at most 200 characters."),
    ],
    "share": [
        ({"message_en": "Perhaps something for you?"}, "message_nl", "Write the message in Dutch."),
        ({"message_nl": "Misschien iets voor jou?", "message_en": "  "}, "message_en", "Write the message in English."),
        ({"message_nl": "\x00\x00", "message_en": "Perhaps?"}, "message_nl", "Write the message in Dutch."),
        ({"message_nl": "Misschien?", "message_en": "x" * 1001}, "message_en", "Use at most 1000 characters."),
    ],
}

WRONG_CASES = [(type_key, *case) for type_key, cases in WRONG.items() for case in cases]


@pytest.mark.parametrize(("type_key", "data", "field", "message"), WRONG_CASES,
                         ids=[f"{case[0]}-{n}" for n, case in enumerate(WRONG_CASES)])
def test_wrong_input_is_refused_with_a_clear_message(app, type_key, data, field, message):
    valid, config, errors = post(app, type_key, data)
    assert not valid and config is None
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    # One problem, one message: never a pile of overlapping errors on one field.
    assert len(errors[field]) == 1, errors[field]


def test_every_type_with_settings_has_wrong_input_tested():
    assert set(WRONG) == set(WITH_SETTINGS)


def _hostile_payloads(field_names):
    yield {}
    yield {name: HUGE for name in field_names}
    yield {name: "\x00" for name in field_names}
    yield {name: ["<script>alert(1)</script>", "y"] for name in field_names}
    yield {name: "ünïcødé 🔑\u202e" for name in field_names}
    yield {**{name: "x" for name in field_names}, "option_0_nl": "x", "option_-1_en": "y", "slot_01_nl": "z"}


@pytest.mark.parametrize("type_key", WITH_SETTINGS)
def test_hostile_input_never_raises(app, type_key):
    with english_post(app):
        names = [field.name for field in get_type(type_key).config_form(**NO_CSRF)]
    for payload in _hostile_payloads(names):
        data = MultiDict()
        for name, value in payload.items():
            for item in value if isinstance(value, list) else [value]:
                data.add(name, item)
        valid, config, errors = post(app, type_key, data)
        assert valid is (config is not None)
        if valid:
            assert "\x00" not in repr(config)
        else:
            assert errors and all(isinstance(e, str) and e for errs in errors.values() for e in errs)


def test_nul_bytes_inside_text_are_dropped(app):
    data = {"message_nl": "Mis\x00schien?", "message_en": "\x00Perhaps?"}
    assert post(app, "share", data)[1] == {"message": {"nl": "Misschien?", "en": "Perhaps?"}}


# --- the form itself -------------------------------------------------------------------------------

FIELD_NAMES = {
    "question": ["min_length"],
    "poll": [f"option_{n}_{lang}" for n in range(1, 9) for lang in ("nl", "en")] + ["multiple"],
    "profile": [f"topic_{n}_{lang}" for n in range(1, 9) for lang in ("nl", "en")],
    "content": ["url", "kind", "link_label_nl", "link_label_en"],
    "quote": ["channels"],
    "review": ["site_name", "site_url"],
    "event": ["event_nl", "event_en"] + [f"slot_{n}_{lang}" for n in range(1, 7) for lang in ("nl", "en")]
             + ["roles"],
    "share": ["message_nl", "message_en"],
}


@pytest.mark.parametrize("type_key", WITH_SETTINGS)
def test_field_names_are_stable_and_in_page_order(app, type_key):
    with english_post(app):
        form = get_type(type_key).config_form(config={}, **NO_CSRF)
        assert [field.name for field in form] == FIELD_NAMES[type_key]
        # The grouped layout holds every field once, in the same order.
        grouped = [f.name for item in form.layout for f in (item.fields if hasattr(item, "rows") else [item])]
        assert grouped == FIELD_NAMES[type_key]
        for field in form:
            assert str(field.label.text).strip()


def test_the_layout_groups_texts_in_both_languages(app):
    with english_post(app):
        form = get_type("poll").config_form(formdata=MultiDict({"option_1_nl": "Ja"}), **NO_CSRF)
        form.validate()
        options, multiple = form.layout
        assert options.type == "TextRows" and options.name == "option" and str(options.label) == "Options"
        label, nl, en = options.rows[1]
        assert str(label) == "Option 2" and nl.name == "option_2_nl" and en.name == "option_2_en"
        assert any("Also fill in the English text" in str(e) for e in options.errors)
        assert multiple.name == "multiple"
        (message,) = get_type("share").config_form(**NO_CSRF).layout
        assert message.type == "TextPair" and [f.name for f in message.fields] == ["message_nl", "message_en"]


def test_required_fields_are_marked_required(app):
    with english_post(app):
        form = get_type("event").config_form(**NO_CSRF)
        assert form.event_nl.flags.required and form.event_en.flags.required
        assert not form.slot_1_nl.flags.required  # rows may stay empty
        assert get_type("question").config_form(**NO_CSRF).min_length.flags.required


def test_the_form_checks_csrf_unless_told_otherwise(app):
    data = MultiDict({"message_nl": "Misschien?", "message_en": "Perhaps?"})
    with english_post(app, data):
        form = get_type("share").config_form(formdata=data)
        assert "csrf_token" in form
        assert not form.validate() and "csrf_token" in form.errors


# --- types without settings ------------------------------------------------------------------------

@pytest.mark.parametrize("type_key", WITHOUT_SETTINGS)
def test_types_without_settings_have_no_form(app, type_key):
    ctype = get_type(type_key)
    with english_post(app, {"anything": "x"}):
        assert ctype.config_form() is None
        assert ctype.config_form(formdata=MultiDict({"anything": "x"}), **NO_CSRF) is None
        assert ctype.config_form(config={}, **NO_CSRF) is None
    assert ctype.default_config() == {}


def test_posted_data_is_the_whole_truth_even_with_a_config_given(app):
    config = {"multiple": True, "options": [{"nl": "Ja", "en": "Yes"}, {"nl": "Nee", "en": "No"}]}
    posted = MultiDict({"option_1_nl": "Ja", "option_1_en": "Yes", "option_2_nl": "Nee", "option_2_en": "No"})
    with english_post(app, posted):
        ctype = get_type("poll")
        form = ctype.config_form(formdata=posted, config=config, **NO_CSRF)
        assert form.validate()
        assert ctype.config_from_form(form) == {**config, "multiple": False}  # the box was not ticked
        form = get_type("question").config_form(formdata=MultiDict(), config={"min_length": 10}, **NO_CSRF)
        assert not form.validate() and "min_length" in form.errors

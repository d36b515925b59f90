"""The demo journey: three levels, a challenge of every type, badges, rewards, and customers at
different stages. Used by `flask seed-demo`; idempotent (keyed on level positions and badge keys)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.auth.models import User
from app.dates import utcnow
from app.extensions import db
from app.journey.models import APPROVED, PENDING, Challenge, Level, LevelUnlock, Submission
from app.journey.progress import settle
from app.nps.models import NpsResponse, category_for
from app.points.services import award_points
from app.rewards.models import CHALLENGE_COMPLETED, LEVEL_REACHED, POINTS_AT_LEAST, TYPE_COUNT, Badge, Reward, UserBadge

LEVELS = [
    dict(position=1, points_threshold=0, name_nl="Betrokkenheid creëren", name_en="Creating engagement",
         description_nl="Kleine, snelle stappen: je mening, je ervaring, je wensen. Elke stap levert meteen punten op.",
         description_en="Small, quick steps: your opinion, your experience, your wishes. Every step earns points straight away."),
    dict(position=2, points_threshold=40, name_nl="Loyaliteit triggeren", name_en="Triggering loyalty",
         description_nl="Deel je ervaring met anderen: een quote, een review, een verhaal. Altijd met jouw toestemming en op jouw voorwaarden.",
         description_en="Share your experience with others: a quote, a review, a story. Always with your consent and on your terms."),
    dict(position=3, points_threshold=120, name_nl="Referral", name_en="Referral",
         description_nl="Stel iemand voor die baat heeft bij wat wij doen. Jij houdt de regie: je ziet elk bericht voordat het verstuurd wordt.",
         description_en="Introduce someone who would benefit from what we do. You stay in control: you see every message before it is sent."),
]

# (level, key, type, points, needs_review, title nl, title en, body nl, body en, config)
CHALLENGES = [
    (1, "nps", "nps", 20, False, "Hoe waarschijnlijk beveel je ons aan?", "How likely are you to recommend us?",
     "Eén vraag, één minuut. Je antwoord helpt ons om beter te worden, en je accountmanager leest mee.",
     "One question, one minute. Your answer helps us improve, and your account manager reads along.",
     {"repeat_after_days": 30}),
    (1, "value", "question", 15, False, "Wat levert onze samenwerking je op?", "What does working with us bring you?",
     "Vertel in je eigen woorden wat er voor jou of je team veranderd is sinds we samenwerken.",
     "Tell us in your own words what changed for you or your team since we started working together.", {"min_length": 10}),
    (1, "topics", "poll", 10, False, "Waar wil je meer over horen?", "What would you like to hear more about?",
     "Kies de onderwerpen die jou het meest interesseren. Meerdere antwoorden mogen.",
     "Pick the topics that interest you most. Several answers are fine.",
     {"multiple": True, "options": [
         {"nl": "Nieuwe functies", "en": "New features"}, {"nl": "Praktijkvoorbeelden van andere klanten", "en": "Stories from other customers"},
         {"nl": "Tips om meer uit het product te halen", "en": "Tips to get more out of the product"}, {"nl": "Events en webinars", "en": "Events and webinars"}]}),
    (1, "profile", "profile", 10, False, "Maak je profiel compleet", "Complete your profile",
     "Zo weten we welke onderwerpen en kanalen bij je passen, en benaderen we je niet met dingen die je niet interesseren.",
     "So we know which topics and channels suit you, and don't approach you with things that don't interest you.",
     {"topics": [{"nl": "Productroadmap", "en": "Product roadmap"}, {"nl": "Integraties", "en": "Integrations"},
                 {"nl": "Rapportages", "en": "Reporting"}, {"nl": "Beveiliging", "en": "Security"}]}),
    (1, "roadmap", "content", 15, False, "Bekijk de roadmap-video", "Watch the roadmap video",
     "In vijf minuten laat ons productteam zien waar we dit jaar aan werken. Wat spreekt je aan, wat mis je?",
     "In five minutes our product team shows what we are working on this year. What appeals to you, what is missing?",
     {"url": "https://example.com/roadmap", "kind": "video", "link_label": {"nl": "Bekijk de video (5 min)", "en": "Watch the video (5 min)"}}),
    (1, "proud", "question", 15, False, "Op welk resultaat ben je het meest trots?", "Which result are you most proud of?",
     "Een project, een cijfer, een moment: wat heb je met onze oplossing bereikt?",
     "A project, a number, a moment: what did you achieve with our solution?", {"min_length": 10}),
    (1, "channel", "poll", 10, False, "Hoe werk je het liefst met ons samen?", "How do you prefer to work with us?",
     "Eén keuze: dan stemmen we ons contact daarop af.", "One choice: we will adapt how we keep in touch.",
     {"multiple": False, "options": [{"nl": "Vaste contactmomenten", "en": "Regular check-ins"}, {"nl": "Alleen als het nodig is", "en": "Only when needed"},
                                     {"nl": "Via een community met andere klanten", "en": "Through a community with other customers"}]}),
    (2, "quote", "quote", 30, True, "Deel een quote over je ervaring", "Share a quote about your experience",
     "Twee of drie zinnen over wat we voor je betekenen. Jij bepaalt of je naam, bedrijf, logo of foto erbij mogen, en waar en hoe lang we hem gebruiken.",
     "Two or three sentences about what we mean to you. You decide whether your name, company, logo or photo may appear, and where and for how long we use it.",
     {"channels": ["website", "social", "sales_material", "events"]}),
    (2, "review", "review", 40, True, "Schrijf een review op G2", "Write a review on G2",
     "Een eerlijke review helpt andere bedrijven kiezen. Plak daarna de link naar je review hier; marketing bevestigt hem en dan krijg je je punten.",
     "An honest review helps other companies choose. Paste the link to your review here afterwards; marketing confirms it and then you get your points.",
     {"site_name": "G2", "site_url": "https://www.g2.com/products/ambassador-journey/reviews"}),
    (2, "case", "case_story", 50, True, "Word ons volgende klantverhaal", "Become our next customer story",
     "Een kort interview, een tekst die jij eerst leest en goedkeurt. Goed voor jouw zichtbaarheid en die van je team.",
     "A short interview, and a text you read and approve first. Good for your visibility and your team's.", {}),
    (2, "event", "event", 40, True, "Spreek of host op onze klantendag", "Speak or co-host at our customer day",
     "Kies een moment en een rol die bij je past. We bereiden alles samen met je voor.",
     "Choose a moment and a role that suits you. We prepare everything together with you.",
     {"event": {"nl": "Klantendag 2027", "en": "Customer Day 2027"},
      "slots": [{"nl": "Ochtendsessie (10:00–11:00)", "en": "Morning session (10:00–11:00)"}, {"nl": "Middagsessie (14:00–15:00)", "en": "Afternoon session (14:00–15:00)"}],
      "roles": ["co_host", "speaker", "panel", "host_site"]}),
    (2, "reference", "reference_call", 35, False, "Wees referentie voor een collega-bedrijf", "Be a reference for a peer company",
     "Af en toe een kort gesprek met een bedrijf dat twijfelt. Jij bepaalt hoe vaak.",
     "Now and then a short call with a company that is considering us. You decide how often.", {}),
    (3, "referral", "referral", 100, False, "Stel iemand voor die hier baat bij heeft", "Introduce someone who would benefit",
     "Ken je iemand die met dezelfde uitdaging worstelt als jij vroeger? Vertel ons wie en waarom. We vragen geen telefoonnummer of e-mailadres, en je ziet elk bericht voordat het verstuurd wordt.",
     "Do you know someone facing the challenge you once had? Tell us who and why. We never ask for their phone number or e-mail, and you see every message before it is sent.",
     {"repeat_after_days": 0}),
    (3, "linkedin", "linkedin_intro", 50, False, "Verbind ons op LinkedIn", "Connect us on LinkedIn",
     "Noem een paar contacten met wie we via jou mogen connecten. Punten volgen als er een echt gesprek uit komt.",
     "Name a few contacts we may connect with through you. Points follow when a real conversation comes out of it.", {}),
    (3, "share", "share", 25, False, "Deel je persoonlijke link", "Share your personal link",
     "Een kant-en-klaar bericht met jouw link, voor LinkedIn, e-mail of WhatsApp, of als QR-code op een event.",
     "A ready-made message with your link, for LinkedIn, e-mail or WhatsApp, or as a QR code at an event.",
     {"message": {"nl": "Wij werken al een tijd met dit team en het heeft ons echt geholpen. Misschien iets voor jou?",
                  "en": "We have worked with this team for a while and it really helped us. Perhaps something for you?"}}),
]
REQUIRED = {2: ["nps"], 3: ["quote", "reference"]}

BADGES = [
    dict(key="first-step", icon="sparkles", rule=POINTS_AT_LEAST, rule_value=10, name_nl="Eerste stap", name_en="First step",
         description_nl="Je eerste punten binnen.", description_en="Your first points are in."),
    dict(key="voice", icon="megaphone", rule=TYPE_COUNT, rule_type_key="nps", rule_value=1, name_nl="Stem van de klant", name_en="Voice of the customer",
         description_nl="Je hebt ons verteld hoe waarschijnlijk je ons aanbeveelt.", description_en="You told us how likely you are to recommend us."),
    dict(key="loyal", icon="heart", rule=LEVEL_REACHED, level=2, name_nl="Trouwe fan", name_en="Loyal fan",
         description_nl="Niveau 2 bereikt: je deelt je ervaring met anderen.", description_en="Level 2 reached: you share your experience with others."),
    dict(key="storyteller", icon="medal", rule=CHALLENGE_COMPLETED, challenge="quote", name_nl="Verhalenverteller", name_en="Storyteller",
         description_nl="Je quote staat online.", description_en="Your quote is published."),
    dict(key="century", icon="trophy", rule=POINTS_AT_LEAST, rule_value=100, name_nl="Honderdclub", name_en="Century club",
         description_nl="100 punten verdiend.", description_en="100 points earned."),
    dict(key="ambassador", icon="rocket", rule=LEVEL_REACHED, level=3, name_nl="Ambassadeur", name_en="Ambassador",
         description_nl="Niveau 3 bereikt: je bent een echte ambassadeur.", description_en="Level 3 reached: you are a true ambassador."),
]

REWARDS = [
    dict(kind="exclusive_access", level=2, stock=12, cost=None, name_nl="Roadmapsessie met ons productteam", name_en="Roadmap session with our product team",
         description_nl="Een uur met de mensen die het product bouwen: zij laten zien wat eraan komt, jij denkt mee.",
         description_en="An hour with the people who build the product: they show what is coming, you help shape it."),
    dict(kind="early_access", level=2, stock=None, cost=None, name_nl="Vroege toegang tot nieuwe functies", name_en="Early access to new features",
         description_nl="Probeer nieuwe functies als eerste en geef feedback voordat ze live gaan.",
         description_en="Try new features first and give feedback before they go live."),
    dict(kind="recognition", level=None, stock=None, cost=None, name_nl="Uitgelicht in onze klantennieuwsbrief", name_en="Featured in our customer newsletter",
         description_nl="Jij en je team in de schijnwerpers, met een verhaal dat jij goedkeurt.",
         description_en="You and your team in the spotlight, with a story you approve."),
    dict(kind="donation", level=None, stock=None, cost=50, name_nl="Donatie op jouw naam", name_en="A donation in your name",
         description_nl="Wij doneren €25 aan een goed doel dat jij kiest, op jouw naam.",
         description_en="We donate €25 to a charity you choose, in your name."),
    dict(kind="event_seat", level=2, stock=20, cost=30, name_nl="Plek op de klantendag", name_en="A seat at our customer day",
         description_nl="Een gereserveerde plek, inclusief diner met het team.", description_en="A reserved seat, including dinner with the team."),
    dict(kind="exclusive_access", level=3, stock=1, cost=None, name_nl="Lunch met onze oprichters", name_en="Lunch with our founders",
         description_nl="Eén plek per kwartaal: praat mee over de koers van het bedrijf.",
         description_en="One seat per quarter: talk with us about where the company is heading."),
]

# Demo customers' earlier NPS scores (their answers to the `nps` challenge in the history below).
NPS_SCORES = {"klant@example.com": 8, "customer@example.com": 9, "ops@example.com": 9, "ambassadeur@example.com": 10}
# Their own reasons where they gave one of their own (the ask page quotes a promoter's reason).
NPS_REASONS = {"ambassadeur@example.com": "Ze denken mee alsof het hun eigen project is, en de support reageert binnen het uur."}

# Demo customers' history: (e-mail, [challenge keys done], [challenge keys waiting for review])
HISTORY = {
    "klant@example.com": (["nps", "topics"], []),
    "customer@example.com": (["nps", "topics"], []),
    "ops@example.com": (["nps", "value", "topics", "profile", "roadmap"], ["quote"]),
    "ambassadeur@example.com": (["nps", "value", "topics", "profile", "roadmap", "proud", "channel", "quote", "reference", "review"], ["case"]),
}

DEMO_LOCALE = "nl"  # the language DEMO_ANSWERS and NPS_REASONS are written in
DEMO_ANSWERS = {
    "nps": {"score": 9, "reason": "Snelle, persoonlijke support.", "category": "promoter"},
    "value": {"answer": "We besparen elke week uren op rapportages."},
    "topics": {"choices": [0, 2], "labels": [{"nl": "Nieuwe functies", "en": "New features"}, {"nl": "Tips om meer uit het product te halen", "en": "Tips to get more out of the product"}]},
    "profile": {"job_title": "Operations manager", "linkedin_url": "", "topics": ["0"], "contact_preference": "email"},
    "roadmap": {"reaction": "Mooie plannen voor de integraties.", "confirmed": True},
    "proud": {"answer": "Onze doorlooptijd van offerte tot oplevering is gehalveerd, en de planners sturen nu zelf bij."},
    "channel": {"choices": [0], "labels": [{"nl": "Vaste contactmomenten", "en": "Regular check-ins"}]},
    "quote": {"quote": "Sinds we met dit team werken, hebben we eindelijk overzicht over al onze projecten.", "show_name": True,
              "show_company": True, "show_logo": True, "show_photo": False, "channels": ["website", "social"], "until": None, "agree": True},
    "reference": {"calls_per_quarter": "2", "topics": "Implementatie in de bouw", "contact": "video_call", "agree": True},
    "review": {"review_url": "https://www.g2.com/products/ambassador-journey/reviews/123", "site_name": "G2"},
    "case": {"agree_story": True, "interview_format": "video_call", "period": "next_quarter", "topics": "Van Excel naar één platform"},
}


def seed_journey() -> int:
    """Create the demo journey if it is missing. Returns the number of records added."""
    if db.session.scalar(select(Level.id).limit(1)) is not None:
        return 0
    added = 0
    levels = {}
    for spec in LEVELS:
        level = Level(**spec)
        db.session.add(level)
        levels[spec["position"]] = level
        added += 1
    db.session.flush()
    challenges = {}
    for position, (lvl, key, type_key, points, review, t_nl, t_en, b_nl, b_en, config) in enumerate(CHALLENGES, start=1):
        challenge = Challenge(level=levels[lvl], type_key=type_key, points=points, needs_review=review, position=position,
                              repeatable="repeat_after_days" in config,
                              title_nl=t_nl, title_en=t_en, body_nl=b_nl, body_en=b_en, config=config)
        db.session.add(challenge)
        challenges[key] = challenge
        added += 1
    db.session.flush()
    for lvl, keys in REQUIRED.items():
        levels[lvl].required_challenges = [challenges[k] for k in keys]
    for position, spec in enumerate(BADGES):
        spec = dict(spec)
        level = spec.pop("level", None)
        challenge = spec.pop("challenge", None)
        db.session.add(Badge(position=position, rule_level=levels[level] if level else None,
                             rule_challenge=challenges[challenge] if challenge else None, **spec))
        added += 1
    for position, spec in enumerate(REWARDS):
        spec = dict(spec)
        level = spec.pop("level")
        db.session.add(Reward(position=position, level=levels[level] if level else None,
                              point_cost=spec.pop("cost"), **spec))
        added += 1
    db.session.flush()
    _seed_history(challenges)
    return added


def _seed_history(challenges: dict[str, Challenge]) -> None:
    start = utcnow() - timedelta(days=60)
    for email, (done, waiting) in HISTORY.items():
        user = User.by_email(email)
        if user is None:
            continue
        # They joined before their history began (analytics measures the time from joining).
        if user.created_at > start - timedelta(days=7):
            user.created_at = start - timedelta(days=7)
            user.invited_at = user.created_at
        for n, key in enumerate(done):
            challenge = challenges[key]
            data = DEMO_ANSWERS.get(key, {})
            if key == "nps":
                score = NPS_SCORES.get(email, 9)
                data = {**data, "score": score, "category": category_for(score),
                        "reason": NPS_REASONS.get(email, data.get("reason", ""))}
            submission = Submission(user_id=user.id, challenge=challenge, data=data, status=APPROVED, locale=DEMO_LOCALE,
                                    created_at=start + timedelta(days=4 * n), reviewed_at=start + timedelta(days=4 * n + 1))
            db.session.add(submission)
            db.session.flush()
            if key == "nps":  # an earlier answer: on the NPS figures, long since followed up
                db.session.add(NpsResponse(user_id=user.id, company_id=user.company_id, score=data["score"],
                                           category=data["category"], reason=data.get("reason", ""),
                                           submission_id=submission.id, created_at=submission.created_at,
                                           locale=DEMO_LOCALE))
            entry = award_points(user.id, challenge.points, "submission", submission.id, challenge.title_nl, challenge.title_en)
            entry.created_at = submission.created_at
        for key in waiting:
            db.session.add(Submission(user_id=user.id, challenge=challenges[key], data=DEMO_ANSWERS.get(key, {}),
                                      status=PENDING, locale=DEMO_LOCALE))
        db.session.flush()
        settle(user)
        # Badges and levels were earned along the way, not today.
        if done:
            last = start + timedelta(days=4 * (len(done) - 1))
            db.session.execute(update(UserBadge).where(UserBadge.user_id == user.id).values(awarded_at=last))
            db.session.execute(update(LevelUnlock).where(LevelUnlock.user_id == user.id).values(unlocked_at=last))

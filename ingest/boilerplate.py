"""Job-ad text that states no requirement: what the skill extractor must not read.

Real postings wrap their requirements in text every ad shares: equal-opportunity statements,
benefits and pay, how to apply, screening notices, the company's description, contact
details and section headings. Mapped like requirements they become skills that no employer
asked for ("promote inclusion in organisations" from an equal-opportunity line, "determine
salaries" from a pay line, "write job descriptions" from "Job Description:"), and a gap report
over many ads counts them as the widest gaps.

`boilerplate_reason` names the kind of such a phrase, or returns ``None`` for a phrase that
may state a requirement. Each kind is a set of patterns written to match how employers
*offer* or *announce* (first person, "we offer", "salary: $", "apply now"), never the
vocabulary alone, so that a requirement about the same subject is kept: "administer employee
benefits", "knowledge of equal opportunity legislation" and "prepare payroll and salaries"
are requirements of HR and payroll jobs, and stay.

Kinds (the ``reason`` strings are part of the API):

- ``equal-opportunity``: EEO and diversity statements, accommodation notices;
- ``benefits``: what the employer offers (insurance, leave, pension, perks);
- ``pay``: salary figures and ranges, pay rates;
- ``application``: how and when to apply, who will be contacted;
- ``screening``: drug tests, background checks, work authorisation, sponsorship;
- ``company``: the employer describing itself or inviting the reader to join it;
- ``contact``: e-mail addresses, web addresses, phone numbers, street addresses;
- ``heading``: a section heading or a "Job Title: ..." line (the title is read on its own).
"""

from __future__ import annotations

import functools
import re
from typing import Final

_FLAGS = re.IGNORECASE

_PATTERNS: Final[dict[str, tuple[str, ...]]] = {
    "equal-opportunity": (
        r"\bequal[- ](employment[- ])?opportunit(y|ies)[- ](employer|workplace)\b",
        r"\b(EEO|EOE|M/F/D/V|AA/EOE)\b",
        r"\bwithout regard to\b.*\b(race|colou?r|religion|sex|gender|age|disability|origin)\b",
        r"\bregardless of\b.*\b(race|colou?r|religion|gender|sexual|disability|origin|"
        r"ethnicity)\b",
        r"\b(race|colou?r|religion|creed|national origin|sexual orientation|gender identity)"
        r"\b.*\b(disability|veteran|protected)\b",
        r"\ball qualified applicants will receive consideration\b",
        r"\b(we|we're|our company|our organi[sz]ation|our team)\b.{0,40}\b(value|celebrate|"
        r"embrace|committed to|champion|promote|welcome|believe in)s?\b.{0,40}\b(diversity|"
        r"inclusion|inclusive|equal opportunit|all backgrounds)",
        r"\bis (an? )?(proud(ly)?|committed|dedicated)\b.{0,40}\b(diversity|inclusion|"
        r"inclusive|equal opportunit)",
        r"\b(diverse|inclusive) (and (inclusive|diverse) )?(workforce|workplace|environment|"
        r"culture|team)\b.{0,60}\b(we|our)\b|\b(we|our)\b.{0,60}\b(diverse|inclusive) "
        r"(and (inclusive|diverse) )?(workforce|workplace|environment|culture)\b",
        r"\b(we|we're|is)\b.{0,30}\b(committed to|proud to be|an?)\b.{0,20}\bequal "
        r"(employment )?opportunit",
        r"\breasonable accommodations?\b",
        r"\baffirmative action\b",
        r"\bprotected veterans?\b",
    ),
    "benefits": (
        r"\b(we|the company|our company|our client)\b.{0,30}\b(offer|provide|give)s?\b.{0,80}"
        r"\b(benefits?|insurance|pension|retirement|paid (time off|leave|holidays?)|vacation|"
        r"holidays|bonus(es)?|perks|discounts?|salary|compensation|package|pay|wages?|"
        r"(full|ongoing|paid|free) training)\b",
        r"\b(you|you'll|you will|employees|staff)\b.{0,20}\b(receive|enjoy|get|are entitled "
        r"to|benefit from)s?\b.{0,80}\b(benefits?|insurance|pension|retirement|paid (time "
        r"off|leave|holidays?)|vacation|holidays|bonus(es)?|perks|discounts?|salary|"
        r"compensation|package|pay|wages?|training|career (development|progression))\b",
        r"^\W*in return\b|\bin return,? (you|we)\b",
        r"\b(on[- ]?site|on[- ]street|free|staff|car) parking\b|\bchildcare vouchers?\b",
        r"\b\d+ days'?s? (annual )?(holiday|leave|vacation)\b|\bannual (holiday|leave) "
        r"(allowance|entitlement)\b",
        r"^\W*(benefits?|perks|what we offer|we offer|our offer)\b",
        r"\bbenefits (include|package)\b",
        r"\bcompetitive (salary|pay|wages?|compensation|benefits|remuneration|package|rates?)\b",
        r"\b(health|medical|dental|vision|life|disability) (insurance|coverage|benefits|plan)\b",
        r"\b401\s?\(?k\)?",
        r"\b(paid time off|PTO|paid (vacation|holidays|leave)|parental leave|maternity leave)\b",
        r"\b(employee|staff) (discounts?|assistance program(me)?s?)\b",
        r"\b(tuition|education) (reimbursement|assistance)\b",
        r"\b(pension|retirement) (plan|scheme|contributions?)\b",
    ),
    "pay": (
        r"[$€£¥]\s?\d",
        r"\b\d[\d,.]*\s?k?\s?(USD|EUR|GBP|CHF|CAD|AUD)\b",
        r"\d[\d,.]*\s?(k\b)?\s*(per|an|a|/)\s?(hour|hr|year|yr|annum|month|week)\b",
        r"^\W*(salary|pay|compensation|wage|rate of pay|pay rate|pay range)\s*[:\-]",
        r"\b(salary|pay|wage|compensation) (range|band|scale)\b",
        r"\bhourly rate\b",
        r"\b(flexibility|negotiable|negotiation) (on|in) (the )?(salary|pay|rate)\b",
        r"\b(salary|pay) (is )?negotiable\b|\b(salary|pay) levels?\b.{0,40}\bguide\b",
    ),
    "application": (
        r"\bapply (now|today|online|here|through|via|at|by)\b",
        r"^\W*(to|how to) apply\b|\bhow to apply\b",
        r"\bplease (send|submit|apply|email|e-mail|forward|contact|upload)\b",
        r"\b(send|submit|email|e-mail|forward|upload) (us )?(your|a) (cv|c\.v\.|resume|"
        r"résumé|cover letter|application|portfolio)\b",
        r"\bclick (the )?(apply|button|link)\b",
        r"\bapplications? (close|deadline|are due|will be (accepted|reviewed))\b",
        r"\b(interested|qualified|suitable) (candidates|applicants)\b.{0,40}\b(apply|send|"
        r"submit|contact|invited|encouraged|should)\b",
        r"\bif (you are|you're) interested\b",
        r"\b(we|I) look forward to (hearing|receiving|meeting|reviewing)\b",
        r"\bonly (shortlisted|selected|successful) (candidates|applicants)\b",
        r"\b(encourage|invite)s? you to apply\b|\bencouraged to apply\b",
        r"\b(should|must|may|can) apply\b.{0,15}$",
        r"\b(e-?mail|send|forward|submit)\b.{0,30}\b(cv|c\.v\.|resume|résumé)\b",
        r"\b(volume|number) of applications\b|\bapplication response\b",
        r"\bnot hear(d)? (back )?from us\b|\b(your|the) application (is|was|has been|has "
        r"not been) (successful|unsuccessful|not successful)\b",
        r"\bshortlisted (candidates|applicants)\b",
        r"\bplease (call|phone|ring)\b|\bfor (immediate|further) (consideration|information|"
        r"details)\b",
        r"\b(like|wish|want) to apply\b|\binterested in applying\b",
        r"\bfor (more|other|similar) (job )?(vacancies|positions|jobs|roles)\b|\bwelcome "
        r"(general )?enquiries\b",
        r"\blook(ing)? forward to (hearing|receiving|meeting|reviewing|welcoming)\b",
        r"\bno (previous |prior )?experience (is )?(necessary|needed|required)\b",
    ),
    "screening": (
        r"\bdrug[- ](test|testing|screen|screening|free)\b",
        r"\bbackground (check|screening)s?\b",
        r"\b(applicants?|candidates?|you|subject to|pass|undergo)\b.{0,60}\bbackground "
        r"investigations?\b",
        r"\bcriminal (record|background|history) (check|screening)s?\b",
        r"\bE-?Verify\b",
        r"\bpre-?employment (screening|test|check|physical)s?\b",
        r"\b(eligible|authori[sz]ed|legally able|entitled) to work in\b",
        r"\b(work|employment) (authori[sz]ation|permit|eligibility)\b",
        r"\bvisa sponsorship\b|\bsponsorship (is|will|cannot|can ?not|not)\b|\b(sponsor|"
        r"sponsoring|sponsorship for) (a |an )?(visas?|work permits?|work visas?)\b|\bwithout "
        r"sponsorship\b",
        r"\bright to work\b",
    ),
    "company": (
        r"^\W*(about (us|the company|the employer|our company)|who we are|company "
        r"(overview|description|profile))\b",
        r"\b(we are|we're|is) (a|an|the) ((leading|growing|fast[- ]growing|rapidly growing|"
        r"well[- ]established|established|global|international|national|local|family[- ]"
        r"owned|renowned|award[- ]winning|dynamic|innovative|reputable|premier|prestigious|"
        r"thriving|busy|successful|respected|trusted)\s*,?\s*(and\s+)?)+(\w+\s+){0,2}"
        r"(company|firm|provider|organi[sz]ation|business|employer|agency|manufacturer|"
        r"retailer|group|brand|supplier|institution|hospital|clinic|school|restaurant|hotel|"
        r"practice|startup|start-up|corporation|enterprise|charity|producer|distributor|"
        r"consultancy|studio|chain|operator|network)\b",
        r"\bfounded in (\d{4}|the)\b|\bsince \d{4}\b",
        r"\bour (mission|vision|values|clients|customers) (is|are|include)\b",
        r"\bjoin (our|a|an|the) \w*\s*(\w+\s+)?(team|company|family|organi[sz]ation|firm|crew|"
        r"group|business|practice|department|staff)\b",
        r"\b(we are|we're|is) (looking|seeking|searching|hiring)\b.{0,60}\b(to join|for (our|"
        r"a|an|the))\b",
        r"^\W*(we are|we're) (hiring|recruiting)\b",
        r"^\W*(come |apply (now |today )?and )?join us\b",
        r"\b(opportunity|chance) to (join|be (a )?part of)\b",
        r"^\W*(this|the) (role|position|job|opportunity) offers\b",
        r"\b(our|my) client (is|are|has|have|was|were|will)\b|^\W*about (our|the) client\b|"
        r"\bthe client is (a|an|the|one)\b",
        r"\b(are|is) recruiting (for|on behalf of)\b|\b(acting as|is) an? employment "
        r"(agency|business)\b",
        r"\bour (goal|aim|ambition) (is|are)\b",
        r"^(?!.*\byou).*\b(they|the company|the business|the firm|the group)\b.{0,60}\b("
        r"awards?|profitable|market[- ]leading|fastest[- ]growing|winning formula|plc)\b",
    ),
    "contact": (
        r"[\w.+-]+@[\w-]+\.[\w.]+",
        r"\bhttps?://|\bwww\.",
        r"(?<![\d-])\+?\(?\d{2,4}\)?[ -]\d{3,4}[ -]\d{3,4}(?![\d-])",
        r"^\W*(location|address|office|based in|located (in|at))\s*[:\-]",
        r"\b\d{1,5} \w+ (street|st\.|avenue|ave\.?|road|rd\.|boulevard|blvd|lane|drive|dr\.)\b",
        r"\b(is|are) (located|situated) (in|at|on|near)\b",
        r"\b(close|near|next) to\b.{0,40}\b(station|motorway|bus routes?|airport)\b",
    ),
}

_HEADING_WORDS = 6
_TITLE_LINE = re.compile(
    r"^\W*(job title|position|role|job posting|job advert(isement)?|job (description|"
    r"summary|overview)|vacancy|opening|employment type|job type|reports to|department|"
    r"start date|schedule|shift|hours)\s*[:\-]",
    _FLAGS,
)
# One alternation per kind: a single scan of the phrase instead of one per pattern.
_COMPILED: Final = {
    kind: re.compile("|".join(f"(?:{pattern})" for pattern in patterns), _FLAGS)
    for kind, patterns in _PATTERNS.items()
}

# A phrase that opens with a duty ("administer health insurance plans", "you will determine
# salaries") states what the job does, whatever its vocabulary.
_DUTY = re.compile(
    r"^\W*((you will|you'll|you|to|responsible for|ability to|able to)\s+)?(administer|"
    r"manage|process|coordinate|prepare|handle|explain|advise|maintain|oversee|calculate|"
    r"enrol|enroll|review|audit|support|determine|negotiate|design|implement|track|report "
    r"on|organi[sz]e|plan|evaluate|assess|analy[sz]e|drive|lead|conduct|develop)"
    r"(s|es|ing|ed)?\b",
    _FLAGS,
)

# Company and pay wording wrapped around a requirement ("Join our team and utilize your
# expertise in Python", "salary benchmarking experience") leaves the phrase a requirement.
_REQUIREMENT_CUE = re.compile(
    r"\b(experience (in|with|of)|expertise (in|with)|skill(s|ed)? (in|with|at)|ability to|"
    r"proficien\w*|knowledge of|familiar\w* with|understanding of|you will|you'll|"
    r"utili[sz]e|responsible for|such as|who (can|will|has|is able))\b",
    _FLAGS,
)
_CUED_KINDS: Final = frozenset({"company", "pay"})

BOILERPLATE_KINDS: Final = (*_PATTERNS, "heading")
"""Every reason `boilerplate_reason` may give, in the order they are tried."""


@functools.lru_cache(maxsize=65_536)
def boilerplate_reason(phrase: str) -> str | None:
    """The kind of boilerplate a phrase is, or ``None`` when it may state a requirement.

    Remembered per phrase: postings repeat their company, benefits and equal-opportunity
    lines, and a bulk import asks about each of them once.

    Args:
        phrase: One sentence, list item or span of a job text.

    Returns:
        One of `BOILERPLATE_KINDS`, or ``None``.
    """
    text = phrase.strip()
    if not text:
        return None
    if _is_heading(text):
        return "heading"
    if _DUTY.search(text):
        return None
    cued = _REQUIREMENT_CUE.search(text) is not None
    for kind, pattern in _COMPILED.items():
        if cued and kind in _CUED_KINDS:
            continue
        if pattern.search(text):
            return kind
    return None


def _is_heading(text: str) -> bool:
    """A short line that ends in a colon, or a ``Job Title: ...`` style label line."""
    if _TITLE_LINE.search(text):
        return True
    return text.endswith(":") and len(text.split()) <= _HEADING_WORDS

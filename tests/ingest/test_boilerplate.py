"""Boilerplate of job ads is named by kind; requirements about the same subjects are kept."""

from __future__ import annotations

import pytest

from ingest.boilerplate import BOILERPLATE_KINDS, boilerplate_reason

BOILERPLATE = [
    ("We are an equal opportunity employer and value diversity.", "equal-opportunity"),
    ("All qualified applicants will receive consideration for employment.", "equal-opportunity"),
    (
        "We do not discriminate on the basis of race, religion, national origin, disability or "
        "veteran status.",
        "equal-opportunity",
    ),
    ("We celebrate diversity and are committed to an inclusive workplace.", "equal-opportunity"),
    ("Reasonable accommodations are available on request.", "equal-opportunity"),
    ("We offer a competitive salary, a pension and 25 days of holiday.", "benefits"),
    ("Benefits include health insurance, dental and a 401(k) match.", "benefits"),
    ("You will enjoy paid time off and an employee discount.", "benefits"),
    ("Salary: $55,000 - $65,000", "pay"),
    ("Pay: 18.50 per hour", "pay"),
    ("Apply now!", "application"),
    ("To apply, please send your CV and cover letter to our recruitment team.", "application"),
    ("Only shortlisted candidates will be contacted.", "application"),
    ("All applicants must pass a drug screening and a background check.", "screening"),
    ("Candidates must be authorized to work in the United States.", "screening"),
    ("Visa sponsorship is not available for this position.", "screening"),
    ("We are a leading global provider of logistics services.", "company"),
    ("Founded in 1998, Acme has grown into a family business of 300 people.", "company"),
    ("We are looking for a motivated baker to join our growing team.", "company"),
    ("Join us in our mission to build a greener planet.", "company"),
    ("Questions? Write to jobs@example.com or call +44 20 7946 0958.", "contact"),
    ("Location: Downtown Area", "contact"),
    # How UK recruiters write the same things.
    ("Our client is a fast-growing bakery chain with sites across Leeds.", "company"),
    ("About our client: a family-owned engineering firm.", "company"),
    ("Hays are recruiting for a specialist contractor in Bristol.", "company"),
    ("Acme Staffing is acting as an Employment Agency in relation to this vacancy.", "company"),
    ("Our goal is to be the first choice for local builders.", "company"),
    ("The business has won several awards and remains highly profitable.", "company"),
    ("Please email your CV to Sam in the first instance.", "application"),
    ("Due to the volume of applications we cannot reply to everyone.", "application"),
    (
        "If you have not heard from us within two weeks, your application has not been successful.",
        "application",
    ),
    ("All shortlisted candidates will be invited to a trial shift.", "application"),
    ("For immediate consideration please call Jo on the number below.", "application"),
    ("If you would like to apply, get in touch today.", "application"),
    ("No previous experience is necessary.", "application"),
    ("Our team is looking forward to welcoming you.", "application"),
    ("In return you will receive full training and career development.", "benefits"),
    ("We offer full training from day one.", "benefits"),
    ("28 days holiday, on-site parking and childcare vouchers.", "benefits"),
    ("There may be some flexibility on salary for the right person.", "pay"),
    ("Please treat the salary levels in our adverts as a guide only.", "pay"),
    ("The depot is located in Thurrock, close to the M25 motorway.", "contact"),
    ("Job Title: Data Analyst", "heading"),
    ("Requirements:", "heading"),
    ("What you will bring:", "heading"),
]

REQUIREMENTS = [
    "Administer employee benefits and payroll for 300 staff.",
    "Knowledge of equal opportunity legislation and employment law.",
    "Prepare salaries, bonuses and tax declarations.",
    "Promote inclusion in organisations through training programmes.",
    "Ability to physically lift objects up to 50 pounds.",
    "At least a year of experience with 3D printing software.",
    "Conduct background research on potential new customers.",
    "Apply chilling, sealing and freezing methods to food products.",
    "Provide support to employees on pay and benefits questions.",
    "The successful candidate is a dynamic leader with strong communication skills.",
    "Ability to apply legislation in various company contexts.",
    "You will offer assistance with personal hygiene tasks such as bathing.",
    "Experience with Python, SQL and Tableau.",
    "Requirements: 3+ years of Java and Spring Boot",
    "Manage a team of software developers and report to the CTO.",
    "You will determine salaries and administer health insurance.",
    "Administer health insurance plans and the 401(k) scheme for employees.",
    "Responsible for processing background checks of new hires.",
    "Join our team and utilize your expertise in Python and SQL.",
    "We are looking for a wordsmith who can craft compelling narratives.",
    "Drive the annual salary review, including salary range benchmarking.",
    "Sell sponsorship packages to exhibitors and generate sponsorship revenue.",
    "Work with sponsorship sales, editorial and marketing teams.",
    "You will liaise with our client on site and report on progress.",
    "Test web products built for my client's customers with Selenium.",
    "Deliver training to new starters and support their career development.",
    "Manage parking enforcement and issue penalty notices.",
    "Send invoices and forward purchase orders to suppliers.",
]


@pytest.mark.parametrize(("phrase", "kind"), BOILERPLATE, ids=[k for _, k in BOILERPLATE])
def test_boilerplate_is_named_by_kind(phrase: str, kind: str) -> None:
    assert boilerplate_reason(phrase) == kind


@pytest.mark.parametrize("phrase", REQUIREMENTS)
def test_requirements_on_the_same_subjects_are_kept(phrase: str) -> None:
    assert boilerplate_reason(phrase) is None


def test_every_kind_is_listed_and_blank_text_is_no_boilerplate() -> None:
    assert {kind for _, kind in BOILERPLATE} == set(BOILERPLATE_KINDS)
    assert boilerplate_reason("   ") is None

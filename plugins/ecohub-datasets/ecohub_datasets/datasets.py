"""The datasets this plugin offers, as ecohub dataset specs: three tabular fairness benchmarks
(German Credit, Adult, COMPAS) and three text-classification sets (SMS spam, and the MLMA hate
speech tweets as a binary toxicity task and a multi-class hostility task).

Each ``load`` reads and verifies its file only when called, so listing datasets reads nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.specs import TEXT_CLASSIFICATION, DatasetSpec

from ecohub_datasets.datafiles import DataFile

if TYPE_CHECKING:
    import pandas as pd

GERMAN_CREDIT_FILE = DataFile(
    "german_credit.csv.gz",
    "1dc444553c754551fdc555d3772ce67efb84e3ac9074fec9d1e810addd4fb4a0",
    packaged=True,
)
ADULT_FILE = DataFile(
    "adult.csv.gz", "fbfd5774d1c107366c5fcb3f0317586726c37cc93abf13dff629000f0bc2d666"
)
COMPAS_FILE = DataFile(
    "compas_two_years.csv.gz", "07af0d96ff81ce071ff7876d27557c6f39bcf3807a73b0c45951b1933490a731"
)
SMS_SPAM_FILE = DataFile(
    "sms_spam.csv.gz", "1ce574c8810de885a6593e207826ab6149a2217635893eeff7ace4cbdbadea21"
)
MLMA_FILE = DataFile(
    "mlma_hate_speech_en.csv.gz", "23dd1554134c957e52cbdb1e58ba910c9c0bcdde1ae9b3cde22c69df17afbf20"
)

# The usual age groups of the fairness literature on these data sets: under 25, 25 to 59, 60 and over.
AGE_BINS = {"age": (25, 60)}

# MLMA's hostility label joins every type its annotators saw (``offensive_hateful``), in 49
# combinations, many of a single tweet. The multi-class task keeps one type per tweet, the most
# severe present in this order; ``normal`` only for tweets labelled exactly normal, as in the
# authors' binary task.
HOSTILITY_SEVERITY = ("hateful", "abusive", "offensive", "disrespectful", "fearful")

ADULT_FEATURES = (
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country",
)

# What was known about a defendant at screening. The COMPAS scores are the tool's own output and
# everything else (is_recid, r_*, vr_*, custody dates, start/end/event) was recorded afterwards,
# so either would leak the outcome into the model.
COMPAS_FEATURES = (
    "sex", "age", "age_cat", "race", "juv_fel_count", "juv_misd_count", "juv_other_count",
    "priors_count", "c_charge_degree",
)


def load_german_credit() -> "pd.DataFrame":
    return GERMAN_CREDIT_FILE.read_csv()


def load_adult() -> "pd.DataFrame":
    return ADULT_FILE.read_csv(na_values="?")


def load_compas() -> "pd.DataFrame":
    """The rows ProPublica kept for its analysis.

    Screenings more than 30 days from the arrest may concern another offence, ``is_recid == -1``
    means no COMPAS case was found, ordinary traffic offences (``O``) do not lead to jail, and
    pandas reads ProPublica's ``N/A`` score as missing.
    """
    table = COMPAS_FILE.read_csv()
    kept = (
        table["days_b_screening_arrest"].between(-30, 30)
        & (table["is_recid"] != -1)
        & (table["c_charge_degree"] != "O")
        & table["score_text"].notna()
    )
    return table[kept].reset_index(drop=True)


def load_sms_spam() -> "pd.DataFrame":
    return SMS_SPAM_FILE.read_csv(keep_default_na=False)


def load_mlma() -> "pd.DataFrame":
    """The English MLMA tweets with two derived labels: ``toxicity`` (``normal`` for tweets
    labelled exactly normal, as the authors' binary task defines it, else ``toxic``) and
    ``hostility`` (the most severe of a tweet's hostility types, see ``HOSTILITY_SEVERITY``)."""
    table = MLMA_FILE.read_csv(keep_default_na=False)
    table["toxicity"] = table["sentiment"].where(table["sentiment"] == "normal", "toxic")
    table["hostility"] = table["sentiment"].map(_most_severe)
    return table


def _most_severe(types: str) -> str:
    present = set(types.split("_"))
    return next((kind for kind in HOSTILITY_SEVERITY if kind in present), "normal")


MLMA_SOURCE = (
    "Ousidhoum, N., Lin, Z., Zhang, H., Song, Y. and Yeung, D.-Y. (2019). Multilingual and "
    "Multi-Aspect Hate Speech Analysis. EMNLP 2019. Data: https://github.com/HKUST-KnowComp/MLMA_hate_speech, "
    "hate_speech_mlma.zip, en_dataset_with_stop_words.csv (commit 479836984aebfbd8a0270ca92018980f745e4c44). "
    "MIT License, Copyright (c) 2019 HKUST-KnowComp; tweet text is also subject to the platform's terms."
)

GERMAN_CREDIT = DatasetSpec(
    name="german-credit",
    description=(
        "Statlog German Credit: 1000 applicants of a German bank, each rated a good or bad "
        "credit risk. The dataset's documentation costs accepting a bad applicant five times "
        "as much as rejecting a good one. Codes such as A11 are decoded to their text. "
        "Shipped inside ecohub-datasets, so it works on any machine."
    ),
    load=load_german_credit,
    target="credit_risk",
    positive_label="good",
    license="cc-by-4.0",
    sensitive_features=("sex", "age"),
    bins=AGE_BINS,
    source=(
        "Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine Learning Repository. "
        "https://archive.ics.uci.edu/dataset/144/statlog+german+credit+data"
    ),
)

ADULT = DatasetSpec(
    name="adult",
    description=(
        "UCI Adult (Census Income): 48842 people from the 1994 US Census, labelled by whether "
        "their income exceeds $50K a year. The original train and test files are joined; the "
        "'split' column says which a row came from and is not a feature. Missing values (the "
        "original '?') are read as missing. Read from HUB_DATA_DIR."
    ),
    load=load_adult,
    target="income",
    positive_label=">50K",
    license="cc-by-4.0",
    sensitive_features=("sex", "race"),
    features=ADULT_FEATURES,
    bins=AGE_BINS,
    source=(
        "Becker, B. and Kohavi, R. (1996). Adult. UCI Machine Learning Repository. "
        "https://archive.ics.uci.edu/dataset/2/adult"
    ),
)

COMPAS = DatasetSpec(
    name="compas",
    description=(
        "ProPublica COMPAS: defendants screened with the COMPAS risk tool in Broward County, "
        "Florida (2013-2014), labelled by whether they re-offended within two years. Filtered "
        "as in ProPublica's analysis to 6172 rows (screening within 30 days of arrest, a COMPAS "
        "case found, no ordinary traffic offences, a score present). Features are what was known "
        "at screening; the COMPAS scores are excluded. The data has no explicit license: "
        "ProPublica published it with its methodology for analysis, so treat it as research "
        "and demo use with attribution. The defendants' names and dates of birth are declared "
        "drop columns, never to be used or shown. "
        "Read from HUB_DATA_DIR."
    ),
    load=load_compas,
    target="two_year_recid",
    positive_label=1,
    license="unknown",
    sensitive_features=("race", "sex", "age_cat"),
    features=COMPAS_FEATURES,
    drop_columns=("name", "first", "last", "dob"),
    source=(
        "Angwin, J., Larson, J., Mattu, S. and Kirchner, L. (2016). Machine Bias. ProPublica. "
        "Data: https://github.com/propublica/compas-analysis, compas-scores-two-years.csv "
        "(commit bafff5da3f2e45eca6c2d5055faad269defd135a)"
    ),
)

SMS_SPAM = DatasetSpec(
    name="sms-spam",
    description=(
        "SMS Spam Collection: 5574 real English text messages, each labelled ham or spam. A plain "
        "text-classification set with no group attributes. Read from HUB_DATA_DIR."
    ),
    load=load_sms_spam,
    target="label",
    positive_label="spam",
    license="cc-by-4.0",
    task=TEXT_CLASSIFICATION,
    text_column="text",
    source=(
        "Almeida, T. A., Gomez Hidalgo, J. M. and Yamakami, A. (2011). Contributions to the Study of "
        "SMS Spam Filtering. UCI Machine Learning Repository, SMS Spam Collection. "
        "https://archive.ics.uci.edu/dataset/228/sms+spam+collection"
    ),
)

MLMA_HATE_SPEECH = DatasetSpec(
    name="mlma-hate-speech",
    description=(
        "MLMA hate speech (English): 5647 tweets, toxic or not as the authors' binary task defines "
        "it: 'normal' when its hostility label is exactly 'normal' (661 tweets), else 'toxic' "
        "(the derived column 'toxicity'). 'target' (the attribute a tweet targets) and 'group' (the "
        "group it targets) are the groups for fairness reports: groups mentioned in the text, "
        "not the authors' demographics. Offensive content. Read from HUB_DATA_DIR."
    ),
    load=load_mlma,
    target="toxicity",
    positive_label="toxic",
    license="mit",
    task=TEXT_CLASSIFICATION,
    text_column="tweet",
    sensitive_features=("target", "group"),
    drop_columns=("HITId",),
    source=MLMA_SOURCE,
)

MLMA_HOSTILITY = DatasetSpec(
    name="mlma-hostility",
    description=(
        "MLMA hate speech (English) as a multi-class task: each tweet's most severe hostility type "
        "(hateful > abusive > offensive > disrespectful > fearful), or 'normal' when its label "
        "is exactly 'normal' (the derived column 'hostility'). The original label joins "
        "every type annotators saw, in 49 combinations. 'target' and 'group' are the groups for "
        "fairness reports. Offensive content. Read from HUB_DATA_DIR."
    ),
    load=load_mlma,
    target="hostility",
    positive_label=None,
    license="mit",
    task=TEXT_CLASSIFICATION,
    text_column="tweet",
    sensitive_features=("target", "group"),
    drop_columns=("HITId",),
    source=MLMA_SOURCE,
)

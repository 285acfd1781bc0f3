"""Symptoms: fatigue, depressed mood, anxiety, cognitive impairment and a HAM-D 17 score.

No published ODE model links cytokines to sickness behaviour and mood; this layer is
ours, anchored on human endotoxin and interferon-alpha studies. Two latent processes
drive every symptom. *Sickness* follows brain cytokines, vagal afferents and interferon
within hours (Reichenberg et al. 2001: mood, anxiety and memory change 1-6 h after
0.8 ng/kg LPS). *Depressive load* builds over weeks from a serotonergic deficit,
quinolinic acid, microglial priming, glucocorticoid resistance, stress, weak gut-vagal
signalling and constitutive vulnerability (Capuron et al. 2002: neurovegetative symptoms
in the first weeks of interferon-alpha, mood and cognition later). Each symptom
combines a floor, the sickness part and the depressive part as independent
contributions, ``1 - (1 - floor)(1 - a*S)(1 - b*D)``, so it stays within 0-1. The HAM-D
17 score sums the symptom clusters weighted by the maximum points of their items.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters


def _symptom(floor: str, sickness_weight: str, depression_weight: str) -> str:
    return (
        f"1 - (1 - {floor}) * (1 - {sickness_weight} * sickness)"
        f" * (1 - {depression_weight} * depressive_load)"
    )


SUBSYSTEM = Subsystem(
    name="symptoms",
    title="Symptoms",
    states=(
        State("sickness", "dimensionless", 0.0, "k_sickness * (sickness_drive - sickness)",
              "acute sickness-behaviour process (0-1)"),
        State("depressive_load", "dimensionless", 0.0,
              "k_depressive_load * (hill_up(depressive_drive, depressive_ec50, depressive_hill)"
              " - depressive_load)",
              "slow depressive process (0-1)"),
    ),
    derived=(
        Derived("sickness_drive", "dimensionless",
                "hill_up(brain_cyt + sickness_vagal_weight * vagal_afferent"
                " + sickness_interferon_weight * interferon_total, sickness_ec50, sickness_hill)",
                "inputs that produce sickness behaviour"),
        Derived("depressive_drive", "dimensionless",
                "positive(depression_vulnerability"
                " + serotonin_mood_weight * positive(ln(1 / serotonergic_tone), smoothing_width)"
                " - serotonin_relief_weight * positive(ln(serotonergic_tone), smoothing_width)"
                " + quin_mood_weight * positive(QUIN - 1, smoothing_width) + priming_mood_weight * priming"
                " + gr_mood_weight * (1 - GR_sensitivity) + stress_mood_weight * stress_level"
                " + gut_mood_weight * (1 - vagal_gut), smoothing_width)",
                "inputs that build depressive load"),
        Derived("fatigue", "dimensionless",
                _symptom("fatigue_floor", "fatigue_sickness_weight", "fatigue_depression_weight"),
                "fatigue score (0-1)"),
        Derived("depressed_mood", "dimensionless",
                _symptom("mood_floor", "mood_sickness_weight", "mood_depression_weight"),
                "depressed mood score (0-1)"),
        Derived("anxiety", "dimensionless",
                "1 - (1 - ("
                + _symptom("anxiety_floor", "anxiety_sickness_weight", "anxiety_depression_weight")
                + ")) * (1 - anxiety_stress_weight * saturating(stress_level, anxiety_stress_ec50))",
                "anxiety score (0-1)"),
        Derived("cognitive_impairment", "dimensionless",
                _symptom("cognition_floor", "cognition_sickness_weight",
                         "cognition_depression_weight"),
                "cognitive impairment score (0-1)"),
        Derived("hamd", "dimensionless",
                "hamd_mood_points * depressed_mood + hamd_anxiety_points * anxiety"
                " + hamd_somatic_points * fatigue + hamd_cognitive_points * cognitive_impairment",
                "Hamilton depression rating (17 items, 0-52)"),
    ),
    parameters=load_parameters("symptoms"),
)

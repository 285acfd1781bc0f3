"""Ex vivo stimulation: the TNF a blood sample makes when it is stimulated with LPS.

Human studies of the cholinergic pathway, of endotoxin tolerance and of glucocorticoids
often measure this, not plasma TNF: whole blood drawn from the volunteer is stimulated
with LPS in a tube and the TNF it releases is read hours later. The sample's answer
scales with the monocytes it holds, with what their current state lets a stimulated
monocyte give (``monocyte_responsiveness``: glucocorticoid signalling and priming) and
with the cholinergic (alpha7 nicotinic) restraint the cells carry from the body.
Endotoxin tolerance does not enter: it raises the endotoxin a monocyte needs, and the
tube's stimulus saturates, which is why ex vivo hyporesponsiveness resolves within a
day while in vivo tolerance lasts longer (Kox et al. 2011).

Vagus nerve stimulation lowers this answer for hours after a short stimulation and for
days with daily stimulation (Koopman et al. 2016), so the cells' cholinergic state is a
memory of vagal outflow: it follows a rise within a minute and fades over about a day.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="ex_vivo",
    title="Ex vivo stimulated blood",
    states=(
        State("monocyte_cholinergic", "dimensionless", 1.0,
              "(vagal_efferent - monocyte_cholinergic) * (k_cholinergic_off"
              " + k_cholinergic_on * hill_up(vagal_efferent - monocyte_cholinergic,"
              " smoothing_width, 2))",
              "cholinergic (alpha7) signalling carried by circulating monocytes, in units of"
              " resting vagal outflow: quick to rise, slow to fade"),
    ),
    derived=(
        Derived("ex_vivo_TNF", "pg/mL",
                "ex_vivo_tnf_max * (MR + MP + MA) * monocyte_responsiveness"
                " * relative_brake(monocyte_cholinergic, ach_tnf_gain)",
                "TNF released by a blood sample stimulated with LPS ex vivo"),
    ),
    parameters=load_parameters("ex_vivo"),
)

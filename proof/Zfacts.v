(* Integer facts the proofs share: floor and ceiling division pinned by their bounds. *)
From Coq Require Import ZArith Lia Bool.
Open Scope Z_scope.

(* PyTorch's div_rtn and reference/wide_int.h's floor_div: Coq's Z.div already rounds toward
   minus infinity, so for a positive divisor the two agree on every sign. *)
Definition floor_div (a b : Z) : Z := a / b.

(* reference/wide_int.h: ceil_div(a, b) = -floor_div(-a, b). *)
Definition ceil_div (a b : Z) : Z := - ((- a) / b).

Lemma div_bounds (a b : Z) : 0 < b -> b * (a / b) <= a < b * (a / b) + b.
Proof.
  intros Hb. pose proof (Z.div_mod a b) as H. pose proof (Z.mod_pos_bound a b Hb). lia.
Qed.

Lemma div_eq (a b q : Z) : 0 < b -> b * q <= a < b * q + b -> a / b = q.
Proof.
  intros Hb H. symmetry. apply Z.div_unique_pos with (r := a - b * q); lia.
Qed.

Lemma ceil_bounds (a b : Z) : 0 < b -> b * ceil_div a b - b < a <= b * ceil_div a b.
Proof.
  intros Hb. unfold ceil_div. pose proof (div_bounds (- a) b Hb). lia.
Qed.

Lemma ceil_eq (a b q : Z) : 0 < b -> b * q - b < a <= b * q -> ceil_div a b = q.
Proof.
  intros Hb H. unfold ceil_div. rewrite (div_eq (- a) b (- q)); lia.
Qed.

Lemma floor_div_bounds (a b : Z) : 0 < b -> b * floor_div a b <= a < b * floor_div a b + b.
Proof. apply div_bounds. Qed.

(* A quotient named with its bounds, so that lia and nia see linear facts about it. *)
Ltac div_facts a b :=
  let H := fresh "Hdiv" in
  assert (H : b * (a / b) <= a < b * (a / b) + b) by (apply div_bounds; lia);
  revert H; generalize (a / b); intros ? H.

Lemma ceil_div_1 (a : Z) : ceil_div a 1 = a.
Proof. unfold ceil_div. rewrite Z.div_1_r. lia. Qed.

(* Case splits on every boolean test in the goal, turned into arithmetic facts. *)
Ltac zbool :=
  repeat match goal with
  | H : (_ || _) = true |- _ => apply orb_true_iff in H; destruct H as [H | H]
  | H : (_ || _) = false |- _ =>
      let H' := fresh H in apply orb_false_iff in H; destruct H as [H H']
  | H : (_ && _) = true |- _ =>
      let H' := fresh H in apply andb_true_iff in H; destruct H as [H H']
  | H : (_ && _) = false |- _ => apply andb_false_iff in H; destruct H as [H | H]
  | H : (_ <? _) = true |- _ => apply Z.ltb_lt in H
  | H : (_ <? _) = false |- _ => apply Z.ltb_ge in H
  | H : (_ =? _) = true |- _ => apply Z.eqb_eq in H
  | H : (_ =? _) = false |- _ => apply Z.eqb_neq in H
  | H : (_ <=? _) = true |- _ => apply Z.leb_le in H
  | H : (_ <=? _) = false |- _ => apply Z.leb_gt in H
  end.

Ltac destruct_ifs :=
  repeat match goal with
  | |- context [if ?c then _ else _] =>
      lazymatch c with
      | context [if _ then _ else _] => fail
      | _ => let E := fresh "E" in destruct c eqn:E
      end
  end; zbool.

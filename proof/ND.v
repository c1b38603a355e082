(* N-D layers: one ceil_mode / count_include_pad / auto_pad / TFLite padding shared by all axes,
   chosen as solver/equivalence.cc does (flag_choices, the first choice under which every axis
   reproduces); the answer in terms of the per-axis closed forms. *)
From Coq Require Import ZArith Lia Bool List.
From Poolproof Require Import Zfacts Semantics Necessity ClosedForm PyTorch ONNX TFLite.
Import ListNotations.
Open Scope Z_scope.

(** equivalence.h shared_flags: what one layer fixes for all its axes (None: free). *)
Record shared_flags := mk_flags {
  sf_ceil_mode : option bool;
  sf_count_include_pad : option bool;
  sf_auto_pad : option onnx_auto_pad
}.

(** flag_choices(family, kind), in the C++'s order. *)
Definition flag_choices (family : pool_family) (kind : pool_kind) : list shared_flags :=
  match family with
  | tflite => [mk_flags (Some false) (Some false) (Some valid);
               mk_flags (Some false) (Some false) (Some same_upper)]
  | onnx =>
      flat_map (fun a =>
        flat_map (fun c =>
          if c && negb (match a with notset => true | _ => false end) then []
          else flat_map (fun v =>
                 if v && (match kind with max => true | avg => false end) then []
                 else [mk_flags (Some c) (Some v) (Some a)]) [false; true])
          [false; true])
        [notset; same_upper; same_lower; valid]
  | pytorch =>
      flat_map (fun c =>
        match kind with
        | max => [mk_flags (Some c) None None]
        | avg => [mk_flags (Some c) (Some true) None; mk_flags (Some c) (Some false) None]
        end) [false; true]
  end.

(** A layer meets the flags as z3_family.cc layer_is constrains it (TFLite: ceil_mode and
    count_include_pad are false, auto_pad SAME_UPPER is SAME and VALID is VALID). *)
Definition opt_is {A} (o : option A) (x : A) : Prop := forall y, o = Some y -> x = y.

Definition pytorch_meets (f : shared_flags) (p : pytorch_params) : Prop :=
  opt_is (sf_ceil_mode f) (pt_ceil_mode p) /\
  opt_is (sf_count_include_pad f) (pt_count_include_pad p) /\
  opt_is (sf_auto_pad f) notset.

Definition onnx_meets (f : shared_flags) (p : onnx_params) : Prop :=
  opt_is (sf_ceil_mode f) (ox_ceil_mode p) /\
  opt_is (sf_count_include_pad f) (ox_count_include_pad p) /\
  opt_is (sf_auto_pad f) (ox_auto_pad p).

Definition tflite_meets (f : shared_flags) (p : tflite_params) : Prop :=
  opt_is (sf_ceil_mode f) false /\ opt_is (sf_count_include_pad f) false /\
  opt_is (sf_auto_pad f) (match tf_padding p with tf_same => same_upper | tf_valid => valid end).

(** One axis n -> m reproduced by a layer of the family meeting the flags. *)
Definition axis_ok (family : pool_family) (kind : pool_kind) (f : shared_flags) (n m : Z)
  : Prop :=
  match family with
  | pytorch => exists p, pytorch_reproduces n m kind p /\ pytorch_meets f p
  | onnx => exists p, onnx_reproduces n m kind p /\ onnx_meets f p
  | tflite => exists p, tflite_reproduces n m kind p /\ tflite_meets f p
  end.

(** One axis reproduced by some layer of the family (no flags). *)
Definition axis_exists (family : pool_family) (kind : pool_kind) (n m : Z) : Prop :=
  axis_ok family kind (mk_flags None None None) n m.

Definition all_axes (P : Z -> Z -> Prop) (axes : list (Z * Z)) : Prop :=
  Forall (fun a => P (fst a) (snd a)) axes.

(** f is the first choice of l that satisfies P. *)
Definition first_choice {A} (P : A -> Prop) (l : list A) (f : A) : Prop :=
  exists pre post, l = pre ++ f :: post /\ P f /\ Forall (fun g => ~ P g) pre.

(** The tool's N-D answer (equivalence.cc prove_equivalence_nd): not equivalent when an axis
    is not equivalent alone; one axis: equivalent, no shared flags; several: the first flag
    choice under which every axis is equivalent, or not equivalent when there is none. *)
Inductive nd_answer := nd_not_equivalent | nd_equivalent (flags : option shared_flags).

Definition nd_decision (family : pool_family) (kind : pool_kind) (axes : list (Z * Z))
  (answer : nd_answer) : Prop :=
  let fits_all f := all_axes (axis_ok family kind f) axes in
  match answer with
  | nd_not_equivalent =>
      ~ all_axes (axis_exists family kind) axes \/
      ((2 <= length axes)%nat /\ Forall (fun f => ~ fits_all f) (flag_choices family kind))
  | nd_equivalent None => length axes = 1%nat /\ all_axes (axis_exists family kind) axes
  | nd_equivalent (Some f) =>
      (2 <= length axes)%nat /\ all_axes (axis_exists family kind) axes /\
      first_choice fits_all (flag_choices family kind) f
  end.

(** * The answer from the per-axis closed forms *)

Definition branch_is (b : branch) (l : list branch) : bool :=
  existsb (fun x => match b, x with
                    | divisible, divisible | remainder_one, remainder_one
                    | remainder_minus, remainder_minus | none, none
                    | input_one, input_one => true
                    | _, _ => false end) l.

Definition family_branch (family : pool_family) (kind : pool_kind) (n m : Z) : branch :=
  fst (family_closed_form n m family kind).

(** TFLite per axis: VALID reaches m <= n with n mod m in {0, 1}; SAME with n mod m in
    {0, m - 1}. *)
Definition tflite_valid_axis (n m : Z) : bool := (m <=? n) && ((n mod m =? 0) || (n mod m =? 1)).
Definition tflite_same_axis (n m : Z) : bool :=
  (m <=? n) && ((n mod m =? 0) || (n mod m =? m - 1)).

Definition nd_closed_form (family : pool_family) (kind : pool_kind) (axes : list (Z * Z))
  : nd_answer :=
  let each P := forallb (fun a => P (fst a) (snd a)) axes in
  if negb (each (fun n m => negb (branch_is (family_branch family kind n m) [none])))
  then nd_not_equivalent
  else if Nat.eqb (length axes) 1 then nd_equivalent None
  else match family with
  | pytorch =>
      match kind with
      | max => nd_equivalent (Some (mk_flags (Some false) None None))
      | avg =>
          (* counting the padding, PyTorch's default, unless an axis is n = -1 (mod m) only *)
          nd_equivalent (Some (mk_flags (Some false)
            (Some (each (fun n m => branch_is (family_branch pytorch avg n m)
                                      [divisible; remainder_one]))) None))
      end
  | onnx => nd_equivalent (Some (mk_flags (Some false) (Some false) (Some notset)))
  | tflite =>
      if each tflite_valid_axis
      then nd_equivalent (Some (mk_flags (Some false) (Some false) (Some valid)))
      else if each tflite_same_axis
      then nd_equivalent (Some (mk_flags (Some false) (Some false) (Some same_upper)))
      else nd_not_equivalent
  end.

(** * Proof that nd_closed_form is the tool's decision *)

Definition valid_axes (axes : list (Z * Z)) : Prop :=
  Forall (fun a => 1 <= fst a /\ 1 <= snd a) axes.

Lemma all_axes_iff (P : Z -> Z -> Prop) (b : Z -> Z -> bool) (axes : list (Z * Z)) :
  valid_axes axes -> (forall n m, 1 <= n -> 1 <= m -> P n m <-> b n m = true) ->
  all_axes P axes <-> forallb (fun a => b (fst a) (snd a)) axes = true.
Proof.
  intros Hv HP. unfold all_axes. rewrite forallb_forall, Forall_forall.
  unfold valid_axes in Hv. rewrite Forall_forall in Hv.
  split; intros H a Ha; specialize (Hv a Ha); specialize (H a Ha);
    apply (HP (fst a) (snd a)); tauto.
Qed.

Lemma first_choice_head {A} (P : A -> Prop) (x : A) (l : list A) :
  P x -> first_choice P (x :: l) x.
Proof. intros H. exists [], l. auto. Qed.

Lemma first_choice_second {A} (P : A -> Prop) (x y : A) (l : list A) :
  ~ P x -> P y -> first_choice P (x :: y :: l) y.
Proof. intros Hx Hy. exists [x], l. auto. Qed.

Lemma opt_is_none {A} (x : A) : opt_is None x.
Proof. intros y H. discriminate. Qed.

Lemma opt_is_some {A} (x y : A) : opt_is (Some y) x <-> x = y.
Proof. split; [intros H; now apply H | intros -> z H; now injection H]. Qed.

Lemma branch_not_none (b : branch) : negb (branch_is b [none]) = true <-> b <> none.
Proof. destruct b; cbn; split; congruence. Qed.

Lemma family_branch_eq (n m : Z) (kind : pool_kind) :
  family_branch pytorch kind n m = fst (closed_form n m kind) /\
  family_branch onnx kind n m = fst (onnx_closed_form n m kind) /\
  family_branch tflite kind n m = fst (tflite_closed_form n m kind).
Proof.
  unfold family_branch, family_closed_form.
  destruct (closed_form n m kind), (onnx_closed_form n m kind), (tflite_closed_form n m kind).
  auto.
Qed.

Lemma meets_no_flags :
  (forall p, pytorch_meets (mk_flags None None None) p) /\
  (forall p, onnx_meets (mk_flags None None None) p) /\
  (forall p, tflite_meets (mk_flags None None None) p).
Proof. repeat split; cbn; apply opt_is_none. Qed.

(** Each family: the axis has a layer iff its closed form has a branch. *)
Lemma axis_exists_iff (family : pool_family) (kind : pool_kind) (n m : Z) :
  1 <= n -> 1 <= m ->
  axis_exists family kind n m <-> negb (branch_is (family_branch family kind n m) [none]) = true.
Proof.
  intros Hn Hm. rewrite branch_not_none. destruct (family_branch_eq n m kind) as (E1 & E2 & E3).
  destruct (meets_no_flags) as (M1 & M2 & M3).
  unfold axis_exists. destruct family; cbn [axis_ok].
  - rewrite E1, <- (pytorch_exists_iff n m kind) by auto.
    split; [intros (p & Hp & _) | intros (p & Hp)]; eauto.
  - rewrite E2, <- (onnx_exists_iff n m kind) by auto.
    split; [intros (p & Hp & _) | intros (p & Hp)]; eauto.
  - rewrite E3, <- (tflite_exists_iff n m kind) by auto.
    split; [intros (p & Hp & _) | intros (p & Hp)]; eauto.
Qed.

(** PyTorch: the flags (ceil_mode c, count_include_pad v). *)
Lemma pytorch_axis_ok (kind : pool_kind) (c : bool) (v : option bool) (n m : Z) :
  1 <= n -> 1 <= m ->
  axis_ok pytorch kind (mk_flags (Some c) v None) n m <->
  (fst (closed_form n m kind) <> none /\
   (kind = avg -> v = Some true -> fst (closed_form n m kind) <> remainder_minus)).
Proof.
  intros Hn Hm. rewrite <- (pytorch_flags_exists_iff n m kind c v Hn Hm).
  cbn [axis_ok]. unfold pytorch_meets. cbn [sf_ceil_mode sf_count_include_pad sf_auto_pad].
  split.
  - intros (p & Hp & Hc & Hv & _). exists p. rewrite opt_is_some in Hc. auto.
  - intros (p & Hp & Hc & Hv). exists p. split; [exact Hp|].
    split; [now apply opt_is_some|]. split; [exact Hv | apply opt_is_none].
Qed.

Lemma pytorch_branch_unpadded (n m : Z) (kind : pool_kind) :
  fst (closed_form n m kind) <> none /\ fst (closed_form n m kind) <> remainder_minus <->
  branch_is (fst (closed_form n m kind)) [divisible; remainder_one] = true.
Proof.
  pose proof (closed_form_not_input_one n m kind).
  destruct (fst (closed_form n m kind)); cbn; split; try tauto; try congruence;
    intros; split; congruence.
Qed.

(** ONNX: the first choice, NOTSET without ceil_mode and without counting the padding. *)
Lemma onnx_axis_ok_first (kind : pool_kind) (n m : Z) :
  1 <= n -> 1 <= m ->
  axis_ok onnx kind (mk_flags (Some false) (Some false) (Some notset)) n m <->
  fst (onnx_closed_form n m kind) <> none.
Proof.
  intros Hn Hm. cbn [axis_ok]. unfold onnx_meets. cbn [sf_ceil_mode sf_count_include_pad sf_auto_pad].
  split.
  - intros (p & Hp & Hc & Hv & Ha). apply onnx_exists_iff; eauto.
  - intros H. destruct (proj2 (onnx_flags_exists_iff n m kind false (Some false) Hn Hm)) as
      (p & Hp & Ha & Hc & Hv).
    + split; [exact H | intros _ E; discriminate].
    + exists p. split; [exact Hp|]. rewrite !opt_is_some. split; [exact Hc|].
      split; [now apply Hv | exact Ha].
Qed.

(** TFLite: VALID, then SAME. *)
Lemma tflite_axis_ok (kind : pool_kind) (a : onnx_auto_pad) (pad : tflite_padding) (n m : Z) :
  a = match pad with tf_same => same_upper | tf_valid => valid end ->
  axis_ok tflite kind (mk_flags (Some false) (Some false) (Some a)) n m <->
  exists p, tflite_reproduces n m kind p /\ tf_padding p = pad.
Proof.
  intros Ea. cbn [axis_ok]. unfold tflite_meets. cbn [sf_ceil_mode sf_count_include_pad sf_auto_pad].
  split.
  - intros (p & Hp & _ & _ & Ha). exists p. split; auto. rewrite opt_is_some in Ha.
    subst a. destruct (tf_padding p), pad; auto; discriminate.
  - intros (p & Hp & Hpad). exists p. split; [exact Hp|]. rewrite !opt_is_some. subst.
    auto.
Qed.

Lemma tflite_valid_axis_iff (kind : pool_kind) (n m : Z) :
  1 <= n -> 1 <= m ->
  axis_ok tflite kind (mk_flags (Some false) (Some false) (Some valid)) n m <->
  tflite_valid_axis n m = true.
Proof.
  intros Hn Hm. rewrite (tflite_axis_ok kind valid tf_valid n m eq_refl).
  rewrite tflite_valid_exists_iff by auto. unfold tflite_valid_axis.
  rewrite andb_true_iff, orb_true_iff, Z.leb_le, !Z.eqb_eq. tauto.
Qed.

Lemma tflite_same_axis_iff (kind : pool_kind) (n m : Z) :
  1 <= n -> 1 <= m ->
  axis_ok tflite kind (mk_flags (Some false) (Some false) (Some same_upper)) n m <->
  tflite_same_axis n m = true.
Proof.
  intros Hn Hm. rewrite (tflite_axis_ok kind same_upper tf_same n m eq_refl).
  rewrite tflite_same_exists_iff by auto. unfold tflite_same_axis.
  rewrite andb_true_iff, orb_true_iff, Z.leb_le, !Z.eqb_eq. tauto.
Qed.

(** THE N-D THEOREM: nd_closed_form, computed from the per-axis closed forms alone, is the
    tool's decision. In words: the layer is equivalent iff every axis is (its closed form has a
    branch) and, for TFLite, one padding string suits every axis: VALID when every axis has
    n mod m in {0, 1}, else SAME when every axis has n mod m in {0, m - 1} (both with m <= n);
    the shared flags are ceil_mode=False everywhere, PyTorch avg counts the padding unless an
    axis is on the n = -1 (mod m) branch only, ONNX takes NOTSET without counting the padding.
    PyTorch and ONNX never fail for the shared flags alone. *)
Theorem nd_closed_form_decides (family : pool_family) (kind : pool_kind) (axes : list (Z * Z)) :
  axes <> [] -> valid_axes axes ->
  nd_decision family kind axes (nd_closed_form family kind axes).
Proof.
  intros Hne Hv. unfold nd_closed_form, nd_decision.
  set (E := forallb _ axes).
  assert (HE : all_axes (axis_exists family kind) axes <-> E = true).
  { unfold E.
    apply (all_axes_iff _ (fun n m => negb (branch_is (family_branch family kind n m) [none])));
      auto.
    intros n m Hn Hm. now apply axis_exists_iff. }
  destruct E eqn:HEb; cbn [negb]; [|left; rewrite HE; discriminate].
  destruct (Nat.eqb_spec (length axes) 1) as [Hl | Hl]; [split; [auto | now apply HE]|].
  assert (Hlen : (2 <= length axes)%nat) by (destruct axes; [contradiction | cbn in *; lia]).
  assert (Hall : forall P (b : Z -> Z -> bool),
             (forall n m, 1 <= n -> 1 <= m -> P n m <-> b n m = true) ->
             (all_axes P axes <-> forallb (fun a => b (fst a) (snd a)) axes = true))
    by (intros; now apply all_axes_iff).
  assert (HexE : forall P, (forall n m, 1 <= n -> 1 <= m ->
                              P n m <-> negb (branch_is (family_branch family kind n m) [none])
                                        = true) ->
                 all_axes P axes)
    by (intros P HP; apply (Hall P _ HP); unfold E in HEb; exact HEb).
  destruct family.
  - destruct kind.
    + (* PyTorch avg: (ceil_mode False, count_include_pad True) first, then False *)
      set (U := forallb _ axes).
      assert (HU : all_axes (axis_ok pytorch avg (mk_flags (Some false) (Some true) None)) axes
                   <-> U = true).
      { unfold U.
        apply (Hall _ (fun n m => branch_is (family_branch pytorch avg n m)
                                    [divisible; remainder_one])).
        intros n m Hn Hm. rewrite pytorch_axis_ok by auto.
        rewrite (proj1 (family_branch_eq n m avg)), <- pytorch_branch_unpadded.
        split; [intros [H1 H2]; split; auto | intros [H1 H2]; split; auto]. }
      split; [exact Hlen | split; [now apply HE|]].
      destruct U eqn:HUb; cbn [flag_choices flat_map app].
      * apply first_choice_head. now apply HU.
      * apply first_choice_second; [rewrite HU; discriminate|].
        apply HexE. intros n m Hn Hm. rewrite pytorch_axis_ok, branch_not_none by auto.
        rewrite (proj1 (family_branch_eq n m avg)).
        split; [tauto | intros H; split; [auto | intros _ E'; discriminate]].
    + (* PyTorch max: ceil_mode False *)
      split; [exact Hlen | split; [now apply HE|]]. cbn [flag_choices flat_map app].
      apply first_choice_head. apply HexE. intros n m Hn Hm.
      rewrite pytorch_axis_ok, branch_not_none by auto.
      rewrite (proj1 (family_branch_eq n m max)).
      split; [tauto | intros H; split; [auto | intros E'; discriminate]].
  - (* ONNX: NOTSET, ceil_mode 0, count_include_pad 0 *)
    split; [exact Hlen | split; [now apply HE|]].
    assert (Hf : exists rest, flag_choices onnx kind =
                              mk_flags (Some false) (Some false) (Some notset) :: rest)
      by (destruct kind; eexists; reflexivity).
    destruct Hf as [rest ->]. apply first_choice_head. apply HexE. intros n m Hn Hm.
    rewrite onnx_axis_ok_first, branch_not_none by auto.
    now rewrite (proj1 (proj2 (family_branch_eq n m kind))).
  - (* TFLite: VALID, else SAME, else none *)
    assert (HV : all_axes (axis_ok tflite kind (mk_flags (Some false) (Some false) (Some valid)))
                   axes <-> forallb (fun a => tflite_valid_axis (fst a) (snd a)) axes = true).
    { apply (Hall _ tflite_valid_axis). intros. now apply tflite_valid_axis_iff. }
    assert (HS : all_axes (axis_ok tflite kind (mk_flags (Some false) (Some false)
                                                   (Some same_upper))) axes <->
                 forallb (fun a => tflite_same_axis (fst a) (snd a)) axes = true).
    { apply (Hall _ tflite_same_axis). intros. now apply tflite_same_axis_iff. }
    destruct (forallb (fun a => tflite_valid_axis (fst a) (snd a)) axes) eqn:Hva;
      [|destruct (forallb (fun a => tflite_same_axis (fst a) (snd a)) axes) eqn:Hsa].
    + split; [exact Hlen | split; [now apply HE|]]. cbn [flag_choices].
      apply first_choice_head. now apply HV.
    + split; [exact Hlen | split; [now apply HE|]]. cbn [flag_choices].
      apply first_choice_second; [rewrite HV; discriminate | now apply HS].
    + right. split; [exact Hlen|]. cbn [flag_choices].
      repeat constructor; [rewrite HV | rewrite HS]; discriminate.
Qed.

(** The decision is a function: at most one answer meets nd_decision, so nd_closed_form is the
    answer, not merely an admissible one. *)
Lemma first_choice_unique {A} (P : A -> Prop) (l : list A) (f g : A) :
  first_choice P l f -> first_choice P l g -> f = g.
Proof.
  intros (pre1 & post1 & E1 & Hf & N1) (pre2 & post2 & E2 & Hg & N2). subst l.
  revert pre2 E2 N2. induction pre1 as [|x pre1 IH]; intros [|y pre2] E2 N2; cbn in E2.
  - now injection E2.
  - injection E2 as -> _. inversion N2. contradiction.
  - injection E2 as -> _. inversion N1. contradiction.
  - injection E2 as -> E2. inversion N1. inversion N2. eapply IH; eauto.
Qed.

Theorem nd_decision_unique (family : pool_family) (kind : pool_kind) (axes : list (Z * Z))
  (a1 a2 : nd_answer) :
  nd_decision family kind axes a1 -> nd_decision family kind axes a2 -> a1 = a2.
Proof.
  assert (Hin : forall f, first_choice (fun f => all_axes (axis_ok family kind f) axes)
                            (flag_choices family kind) f ->
                Forall (fun g => ~ all_axes (axis_ok family kind g) axes)
                  (flag_choices family kind) -> False).
  { intros f (pre & post & E & Hf & _) Hall. rewrite E in Hall.
    apply Forall_app in Hall as [_ Hall]. inversion Hall. contradiction. }
  destruct a1 as [|[f1|]], a2 as [|[f2|]]; cbn; intros H1 H2; try reflexivity.
  - exfalso. destruct H1 as [H1 | [_ H1]], H2 as (_ & H2 & H3); [contradiction | eauto].
  - exfalso. destruct H1 as [H1 | [H1 _]], H2 as [H2 H3]; [contradiction | lia].
  - exfalso. destruct H2 as [H2 | [_ H2]], H1 as (_ & H1 & H3); [contradiction | eauto].
  - destruct H1 as (_ & _ & H1), H2 as (_ & _ & H2). f_equal. f_equal.
    eapply first_choice_unique; eauto.
  - exfalso. destruct H1 as (H1 & _), H2 as (H2 & _). lia.
  - exfalso. destruct H2 as [H2 | [H2 _]], H1 as [H1 H3]; [contradiction | lia].
  - exfalso. destruct H1 as (H1 & _), H2 as (H2 & _). lia.
Qed.

(* The theorem for PyTorch's AvgPool / MaxPool: existence iff the closed form, the witness, its
   leastness, and what ceil_mode and count_include_pad change. *)
From Coq Require Import ZArith Lia Bool List.
From Poolproof Require Import Zfacts Semantics Windows Geometry Necessity ClosedForm
  Sufficiency Least.
Import ListNotations.
Open Scope Z_scope.

Ltac pt_simpl :=
  unfold pt_layer in *;
  cbn [pt_kernel pt_stride pt_padding pt_dilation pt_ceil_mode pt_count_include_pad] in *.

(** A PyTorch layer that the tool accepts and that reproduces adaptive pooling n -> m. *)
Definition pytorch_reproduces (n m : Z) (kind : pool_kind) (p : pytorch_params) : Prop :=
  valid_pytorch kind p /\ reproduces n m (pytorch_geometry n p) kind.

Lemma pytorch_geometry_fields (n : Z) (p : pytorch_params) :
  let g := pytorch_geometry n p in
  g_kernel g = pt_kernel p /\ g_stride g = pt_stride p /\ g_dilation g = pt_dilation p /\
  g_pad_begin g = pt_padding p /\ g_pad_end g = pt_padding p /\
  g_divide_by_padded g = pt_count_include_pad p /\
  g_count g = g_count (explicit_pads_geometry n (pt_kernel p) (pt_stride p) (pt_dilation p)
                         (pt_padding p) (pt_padding p) (pt_ceil_mode p)).
Proof. repeat split. Qed.

(** An undilated layer whose windows fit and whose span is exactly m - 1 strides. *)
Lemma pytorch_layer_reproduces (n m k s p : Z) (c cip : bool) (kind : pool_kind) :
  1 <= n -> 1 <= m -> 1 <= k -> 1 <= s -> fits n m k s p ->
  n + 2 * p - (k - 1) - 1 = (m - 1) * s -> (m - 1) * s < n + p ->
  (kind = avg -> cip = true -> p = 0) ->
  reproduces n m (pytorch_geometry n (mk_pytorch k s p 1 c cip)) kind.
Proof.
  intros Hn Hm Hk Hs Hfit Hspan Hlast Hcip.
  pose proof (pytorch_geometry_fields n (mk_pytorch k s p 1 c cip)) as F. pt_simpl.
  destruct F as (Fk & Fs & Fd & Fb & Fe & Fp & Fc).
  apply fits_reproduces; auto; try lia; try (rewrite Fk, Fs, Fb; exact Hfit).
  - rewrite Fc. apply count_exact; lia.
  - intros Havg o Ho. destruct cip.
    + specialize (Hcip Havg eq_refl).
      apply divisor_padded_no_pads; auto; try lia; rewrite ?Fk, ?Fs, ?Fb; auto; lia.
    + apply divisor_unpadded; auto; try lia; try (rewrite Fk, Fs, Fb; exact Hfit).
Qed.

(** Every branch's layer, with any ceil_mode, and counting the padding unless the branch
    pads (n = -1 mod m, avg). *)
Lemma pytorch_branch_reproduces (n m : Z) (kind : pool_kind) (b : branch) (w : pytorch_params)
  (c cip : bool) :
  1 <= n -> 1 <= m -> closed_form n m kind = (b, Some w) ->
  (kind = avg -> cip = true -> b <> remainder_minus) ->
  pytorch_reproduces n m kind (mk_pytorch (pt_kernel w) (pt_stride w) (pt_padding w) 1 c cip).
Proof.
  intros Hn Hm H Hcip.
  destruct (closed_form_cases n m kind b w Hn Hm H) as
    [(-> & En & Hq & ->) | [(-> & _ & Hm2 & En & Hq & ->) | (-> & _ & _ & Hm2 & En & ->)]];
    set (q := n / m) in *; clearbody q; subst n; pt_simpl.
  - assert (Hs : 1 <= (if m =? 1 then 1 else q) /\ (m = 1 \/ (if m =? 1 then 1 else q) = q)).
    { destruct (Z.eqb_spec m 1); lia. }
    split.
    + unfold valid_pytorch; pt_simpl. pose proof (Z.div_pos q 2). lia.
    + apply pytorch_layer_reproduces; try lia.
      all: first [apply fits_divisible; lia | destruct (Z.eqb_spec m 1); subst; nia].
  - split.
    + unfold valid_pytorch; pt_simpl. pose proof (Z.div_pos (q + 1) 2). lia.
    + apply pytorch_layer_reproduces; try lia; try nia. apply fits_remainder_one; lia.
  - assert (0 <= q) by nia. split.
    + unfold valid_pytorch; pt_simpl. pose proof (div_bounds (q + 2) 2). lia.
    + apply pytorch_layer_reproduces; try lia; try nia.
      all: first [ replace (q + 2) with (q + 1 + 1) by lia; apply fits_remainder_minus; lia
                 | intros Havg Hc; now destruct (Hcip Havg Hc) ].
Qed.

(** The printed witness is a valid PyTorch layer and reproduces adaptive pooling. *)
Theorem pytorch_witness_reproduces (n m : Z) (kind : pool_kind) (b : branch)
  (w : pytorch_params) :
  1 <= n -> 1 <= m -> closed_form n m kind = (b, Some w) -> pytorch_reproduces n m kind w.
Proof.
  intros Hn Hm H.
  destruct (closed_form_cases n m kind b w Hn Hm H) as
    [(-> & _ & _ & ->) | [(-> & _ & _ & _ & _ & ->) | (-> & _ & _ & _ & _ & ->)]];
    (eapply pytorch_branch_reproduces in H; [exact H | lia | lia |]);
    destruct kind; pt_simpl; congruence.
Qed.

(** Step 1 of the paper proof: from one input, with 2p <= k, at most two outputs. *)
Lemma pytorch_count_input_one (kind : pool_kind) (p : pytorch_params) :
  valid_pytorch kind p -> g_count (pytorch_geometry 1 p) <= 2.
Proof.
  intros (Hk & Hs & Hd & Hp0 & Hp & _).
  pose proof (pytorch_geometry_fields 1 p) as (_ & _ & _ & _ & _ & _ & ->).
  pose proof (count_upper 1 (pt_kernel p) (pt_stride p) (pt_dilation p) (pt_padding p)
                (pt_padding p) (pt_ceil_mode p) Hs).
  pose proof (div_bounds (pt_kernel p) 2 ltac:(lia)).
  set (x := 1 + pt_padding p + pt_padding p - pt_dilation p * (pt_kernel p - 1) - 1) in *.
  assert (x <= 1) by (subst x; nia).
  pose proof (ceil_bounds x (pt_stride p) ltac:(lia)). nia.
Qed.

(** Necessity: a reproducing PyTorch layer exists only on a branch. *)
Lemma pytorch_necessity (n m : Z) (kind : pool_kind) (p : pytorch_params) :
  1 <= n -> 1 <= m -> pytorch_reproduces n m kind p -> branch_holds n m.
Proof.
  intros Hn Hm [Hv Hr].
  destruct (Z.eq_dec n 1) as [-> | Hn1].
  - pose proof (pytorch_count_input_one kind p Hv). destruct Hr as [Hc _].
    unfold branch_holds. assert (m = 1 \/ m = 2) as [-> | ->] by lia; cbn; lia.
  - pose proof (pytorch_geometry_fields n p) as (Fk & Fs & Fd & _).
    destruct Hv as (? & ? & ? & _).
    apply (geometry_necessity n m (pytorch_geometry n p) kind); try lia; auto.
Qed.

(** THE THEOREM (PyTorch): a reproducing layer exists iff the closed form has a branch. *)
Theorem pytorch_exists_iff (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m ->
  (exists p, pytorch_reproduces n m kind p) <-> fst (closed_form n m kind) <> none.
Proof.
  intros Hn Hm. split.
  - intros [p Hp]. rewrite closed_form_none by lia. intros Hno.
    exact (Hno (pytorch_necessity n m kind p Hn Hm Hp)).
  - intros H. apply closed_form_some in H as (b & w & H).
    exists w. now apply (pytorch_witness_reproduces n m kind b).
Qed.

Ltac pref_cases kind p :=
  destruct kind; unfold pytorch_preference; pt_simpl; cbn [lex_le];
  destruct (pt_ceil_mode p), (pt_count_include_pad p); cbn [b2z negb].

(** The printed witness is the least reproducing layer in the solver's preference order. *)
Theorem pytorch_witness_least (n m : Z) (kind : pool_kind) (b : branch) (w p : pytorch_params) :
  1 <= n -> 1 <= m -> closed_form n m kind = (b, Some w) -> pytorch_reproduces n m kind p ->
  lex_le (pytorch_preference kind w) (pytorch_preference kind p).
Proof.
  intros Hn Hm H [Hv Hr].
  pose proof (pytorch_geometry_fields n p) as (Fk & Fs & Fd & Fb & Fe & Fp & _).
  destruct Hv as (Hk & Hs & Hd & Hp0 & Hp & Havg).
  pose proof (div_bounds (pt_kernel p) 2 ltac:(lia)).
  set (g := pytorch_geometry n p) in *.
  (* counting the padding needs pad_begin 0 (avg) *)
  assert (Hcip : kind = avg -> pt_count_include_pad p = true -> pt_padding p <= 0).
  { intros -> Hc. rewrite <- Fb.
    apply (padded_divisor_needs_no_pad n m g); auto; try lia; congruence. }
  destruct (closed_form_cases n m kind b w Hn Hm H) as
    [(-> & En & Hq & ->) | [(-> & _ & Hm2 & En & Hq & ->) | (-> & Hno & Hno1 & Hm2 & En & ->)]].
  - pose proof (least_divisible n m g kind Hn Hm ltac:(lia) ltac:(lia) ltac:(lia) Hr
                  (n / m) Hq En) as [L1 L2].
    destruct (Z.eqb_spec m 1);
      pref_cases kind p; lia.
  - pose proof (least_remainder_one n m g kind Hn Hm ltac:(lia) ltac:(lia) ltac:(lia) Hr
                  (n / m) Hq Hm2 En) as [L1 L2].
    pref_cases kind p; lia.
  - destruct (Z.le_gt_cases 3 m) as [Hm3 | Hm3].
    + assert (1 <= n / m + 1) by (pose proof (Z.div_pos n m ltac:(lia) ltac:(lia)); lia).
      pose proof (least_remainder_minus n m g kind Hn Hm ltac:(lia) ltac:(lia) ltac:(lia) Hr
                    (n / m + 1) ltac:(lia) Hm3 En) as [L1 L2].
      pref_cases kind p; try specialize (Hcip eq_refl eq_refl); lia.
    + assert (n = 1 /\ m = 2) as [E1 E2].
      { assert (m = 2) by lia. subst m. pose proof (Z.mod_pos_bound n 2 ltac:(lia)).
        assert (~ 2 < n) by (intros ?; apply Hno1; split; lia). lia. }
      pose proof (least_one_to_two n m g kind Hn Hm ltac:(lia) ltac:(lia) ltac:(lia) Hr E1 E2)
        as [L1 L2].
      assert (n / m = 0) by (subst; reflexivity).
      pref_cases kind p;
        try specialize (Hcip eq_refl eq_refl); lia.
Qed.

(** Window equations force a left pad on the n = -1 (mod m) branch (when it is not another). *)
Lemma pytorch_remainder_minus_padded (n m : Z) (kind : pool_kind) (p : pytorch_params) :
  1 <= n -> 1 <= m -> fst (closed_form n m kind) = remainder_minus ->
  pytorch_reproduces n m kind p -> 1 <= pt_padding p.
Proof.
  intros Hn Hm Hb [Hv Hr].
  assert (Hsome : fst (closed_form n m kind) <> none) by (rewrite Hb; discriminate).
  apply closed_form_some in Hsome as (b & w & H). rewrite H in Hb; cbn in Hb; subst b.
  pose proof (pytorch_geometry_fields n p) as (Fk & Fs & Fd & Fb & _).
  destruct Hv as (Hk & Hs & Hd & _).
  destruct (closed_form_cases n m kind remainder_minus w Hn Hm H) as
    [(? & _) | [(? & _) | (_ & Hno & Hno1 & Hm2 & En & _)]]; try discriminate.
  assert (0 <= n / m) by (apply Z.div_pos; lia).
  destruct (Z.le_gt_cases 3 m) as [Hm3 | Hm3].
  - rewrite <- Fb.
    apply (remainder_minus_padded n m (pytorch_geometry n p) kind Hn Hm ltac:(lia) ltac:(lia)
             ltac:(lia) Hr (n / m + 1)); [lia | lia | exact En].
  - assert (n = 1 /\ m = 2) as [E1 E2].
    { assert (m = 2) by lia. subst m. pose proof (Z.mod_pos_bound n 2 ltac:(lia)).
      assert (~ 2 < n) by (intros ?; apply Hno1; split; lia). lia. }
    pose proof (least_one_to_two n m (pytorch_geometry n p) kind Hn Hm ltac:(lia) ltac:(lia)
                  ltac:(lia) Hr E1 E2) as [_ L2].
    lia.
Qed.

(** Every flag setting the tool may fix for a whole layer (solver/equivalence.cc flag_choices:
    ceil_mode, and count_include_pad for avg): a layer with those flags exists iff the closed
    form has a branch, except that counting the padding (avg) rules out the n = -1 (mod m)
    branch. *)
Theorem pytorch_flags_exists_iff (n m : Z) (kind : pool_kind) (c : bool) (cip : option bool) :
  1 <= n -> 1 <= m ->
  (exists p, pytorch_reproduces n m kind p /\ pt_ceil_mode p = c /\
             (forall v, cip = Some v -> pt_count_include_pad p = v)) <->
  (fst (closed_form n m kind) <> none /\
   (kind = avg -> cip = Some true -> fst (closed_form n m kind) <> remainder_minus)).
Proof.
  intros Hn Hm. split.
  - intros (p & Hp & Hc & Hcip). split.
    + apply pytorch_exists_iff; eauto.
    + intros -> -> Hb.
      pose proof (pytorch_remainder_minus_padded n m avg p Hn Hm Hb Hp).
      destruct Hp as [Hv Hr].
      pose proof (pytorch_geometry_fields n p) as (Fk & Fs & Fd & Fb & Fe & Fp & _).
      destruct Hv as (Hk & _ & _ & _ & _ & Havg).
      specialize (Hcip true eq_refl).
      pose proof (padded_divisor_needs_no_pad n m (pytorch_geometry n p) Hn Hm
                    ltac:(rewrite Fd; auto) ltac:(lia) ltac:(lia) ltac:(congruence) Hr).
      lia.
  - intros [Hb Hcip]. apply closed_form_some in Hb as (b & w & H).
    set (v := match cip with Some v => v | None => pt_count_include_pad w end).
    exists (mk_pytorch (pt_kernel w) (pt_stride w) (pt_padding w) 1 c v).
    split; [|split; [reflexivity | intros v' ->; reflexivity]].
    apply (pytorch_branch_reproduces n m kind b w); auto.
    intros -> Hv ->. rewrite H in Hcip.
    unfold v in Hv. clear v. destruct cip as [[|]|].
    + exact (Hcip eq_refl eq_refl eq_refl).
    + discriminate.
    + destruct (closed_form_cases n m avg remainder_minus w Hn Hm H) as
        [(? & _) | [(? & _) | (_ & _ & _ & _ & _ & ->)]]; pt_simpl; discriminate.
Qed.

(** ceil_mode never changes the answer: with either value fixed, a layer exists iff one does. *)
Corollary pytorch_ceil_mode_irrelevant (n m : Z) (kind : pool_kind) (c : bool) :
  1 <= n -> 1 <= m ->
  (exists p, pytorch_reproduces n m kind p /\ pt_ceil_mode p = c) <->
  (exists p, pytorch_reproduces n m kind p).
Proof.
  intros Hn Hm. split; [intros (p & Hp & _); eauto|].
  intros Hex. apply pytorch_exists_iff in Hex; auto.
  destruct (proj2 (pytorch_flags_exists_iff n m kind c None Hn Hm)) as (p & Hp & Hc & _).
  - split; [exact Hex | intros _ H; discriminate].
  - eauto.
Qed.

(** The divisor never obstructs: an avg layer exists iff a max layer does (and one that does
    not count the padding is always among them). *)
Corollary pytorch_avg_iff_max (n m : Z) :
  1 <= n -> 1 <= m ->
  (exists p, pytorch_reproduces n m avg p) <-> (exists p, pytorch_reproduces n m max p).
Proof.
  intros Hn Hm. rewrite !pytorch_exists_iff by auto.
  now rewrite (closed_form_branch_kind n m avg max).
Qed.

(** Counting the padding (count_include_pad=True, avg) leaves exactly the branches without
    padding: m | n, and n = 1 (mod m) with n > m. *)
Corollary pytorch_count_include_pad_iff (n m : Z) :
  1 <= n -> 1 <= m ->
  (exists p, pytorch_reproduces n m avg p /\ pt_count_include_pad p = true) <->
  (fst (closed_form n m avg) = divisible \/ fst (closed_form n m avg) = remainder_one).
Proof.
  intros Hn Hm. split.
  - intros (p & Hp & Hcip).
    destruct (proj1 (pytorch_flags_exists_iff n m avg (pt_ceil_mode p) (Some true) Hn Hm))
      as [Hb Hno].
    { exists p. split; [exact Hp | split; [reflexivity | intros v Hv; injection Hv as <-; auto]]. }
    specialize (Hno eq_refl eq_refl). pose proof (closed_form_not_input_one n m avg).
    destruct (fst (closed_form n m avg)); auto; congruence.
  - intros Hb.
    destruct (proj2 (pytorch_flags_exists_iff n m avg false (Some true) Hn Hm)) as
      (p & Hp & _ & Hcip).
    + split; [|intros _ _]; destruct Hb as [-> | ->]; discriminate.
    + exists p. auto.
Qed.

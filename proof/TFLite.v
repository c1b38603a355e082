(* The theorem for TFLite pooling (SAME / VALID, export_pool.h): existence iff m <= n and
   PyTorch's condition, the witness, its leastness, and which padding string each axis needs. *)
From Coq Require Import ZArith Lia Bool List.
From Poolproof Require Import Zfacts Semantics Windows Geometry Necessity ClosedForm
  Sufficiency Least PyTorch.
Import ListNotations.
Open Scope Z_scope.

(** A TFLite layer that reproduces adaptive pooling n -> m. *)
Definition tflite_reproduces (n m : Z) (kind : pool_kind) (p : tflite_params) : Prop :=
  valid_tflite p /\ reproduces n m (tflite_geometry n p) kind.

Ltac tf_simpl := cbn [tf_kernel tf_stride tf_padding] in *.

Lemma tflite_fields (n : Z) (p : tflite_params) :
  let g := tflite_geometry n p in
  g_kernel g = tf_kernel p /\ g_stride g = tf_stride p /\ g_dilation g = 1 /\
  g_divide_by_padded g = false.
Proof. unfold tflite_geometry. destruct (tf_padding p); cbn; destruct_ifs; repeat split. Qed.

Lemma tflite_valid_geometry (n k s : Z) :
  tflite_geometry n (mk_tflite k s tf_valid) = explicit_pads_geometry n k s 1 0 0 false.
Proof. reflexivity. Qed.

(** SAME: ceil(n/s) outputs, pads from P = (o-1)*s + k - n, clamped to 0 when negative. *)
Lemma tflite_same_fields (n k s : Z) :
  let g := tflite_geometry n (mk_tflite k s tf_same) in
  let c := ceil_div n s in
  let total := (c - 1) * s + k - n in
  g_count g = c /\
  (0 <= total -> g_pad_begin g = floor_div total 2 /\ g_pad_end g = total - floor_div total 2) /\
  (total < 0 -> g_pad_begin g = 0 /\ g_pad_end g = 0).
Proof.
  cbn zeta. unfold tflite_geometry, same_geometry. cbn [tf_kernel tf_stride tf_padding].
  set (c := ceil_div n s). set (t := (c - 1) * s + k - n).
  pose proof (div_bounds t 2 ltac:(lia)). unfold floor_div in *.
  destruct_ifs; cbn [g_pad_begin g_pad_end g_count] in *; repeat split; intros; lia.
Qed.

(** TFLite never has more outputs than inputs. *)
Lemma tflite_count_le (n : Z) (p : tflite_params) :
  1 <= n -> valid_tflite p -> g_count (tflite_geometry n p) <= n.
Proof.
  intros Hn [Hk Hs]. destruct p as [k s [|]]; tf_simpl.
  - rewrite tflite_valid_geometry. unfold explicit_pads_geometry, floor_div. cbn [g_count andb].
    pose proof (div_bounds (n + 0 + 0 - 1 * (k - 1) - 1) s ltac:(lia)). nia.
  - destruct (tflite_same_fields n k s) as (-> & _).
    pose proof (ceil_bounds n s ltac:(lia)). nia.
Qed.

(** Necessity: m <= n and a branch. *)
Lemma tflite_necessity (n m : Z) (kind : pool_kind) (p : tflite_params) :
  1 <= n -> 1 <= m -> tflite_reproduces n m kind p -> m <= n /\ branch_holds n m.
Proof.
  intros Hn Hm [Hv Hr]. pose proof (tflite_count_le n p Hn Hv). destruct Hr as [Hc Hw].
  split; [lia|].
  destruct (Z.eq_dec n 1) as [-> | Hn1].
  - left. replace m with 1 by lia. reflexivity.
  - pose proof (tflite_fields n p) as (Fk & Fs & Fd & _). destruct Hv.
    apply (geometry_necessity n m (tflite_geometry n p) kind); try lia. split; auto.
Qed.

Lemma tflite_closed_form_none (n m : Z) (kind : pool_kind) :
  fst (tflite_closed_form n m kind) = none <-> fst (closed_form n m kind) = none \/ n < m.
Proof.
  unfold tflite_closed_form.
  destruct (closed_form_shape n m kind) as [Hc | (b0 & w0 & Hb0 & Hc)]; rewrite Hc.
  - cbn. tauto.
  - destruct b0; try (now contradiction Hb0); cbn; destruct (Z.ltb_spec n m); cbn;
      split; intros H1;
      first [ reflexivity | right; lia | discriminate
            | destruct H1 as [H1 | H1]; [discriminate | lia] ].
Qed.

Lemma tflite_closed_form_some (n m : Z) (kind : pool_kind) :
  fst (tflite_closed_form n m kind) <> none ->
  exists b w, tflite_closed_form n m kind = (b, Some w).
Proof.
  unfold tflite_closed_form. intros H.
  destruct (closed_form_shape n m kind) as [Hs | (b0 & w0 & Hb0 & Hs)]; rewrite Hs in H |- *.
  - now contradiction H.
  - destruct b0; try (now contradiction Hb0); destruct (n <? m); try (now contradiction H);
      eauto.
Qed.

(** The branches of tflite_closed_form (q = n / m). *)
Lemma tflite_closed_form_cases (n m : Z) (kind : pool_kind) (b : branch) (w : tflite_params) :
  1 <= n -> 1 <= m -> tflite_closed_form n m kind = (b, Some w) ->
  m <= n /\
  ((b = divisible /\ n = (n / m) * m /\ 1 <= n / m /\
    w = mk_tflite (n / m) (if m =? 1 then 1 else n / m) tf_valid) \/
   (b = remainder_one /\ 2 <= m /\ n = (n / m) * m + 1 /\ 1 <= n / m /\
    w = mk_tflite (n / m + 1) (n / m) tf_valid) \/
   (b = remainder_minus /\ 3 <= m /\ n = (n / m + 1) * m - 1 /\ 1 <= n / m /\
    w = mk_tflite (n / m + 2) (n / m + 1) tf_same)).
Proof.
  intros Hn Hm H. unfold tflite_closed_form in H.
  destruct (closed_form_shape n m kind) as [Hc | (b0 & w0 & Hb0 & Hc)]; rewrite Hc in H;
    [discriminate|].
  destruct (Z.ltb_spec n m); [destruct b0; discriminate|].
  split; [lia|].
  destruct (closed_form_cases n m kind b0 w0 Hn Hm Hc) as
    [(-> & En & Hq & ->) | [(-> & _ & Hm2 & En & Hq & ->) | (-> & Hno & Hno1 & Hm2 & En & ->)]];
    cbn in H; injection H as <- <-.
  - left. repeat split; auto.
  - right; left. repeat split; auto.
  - right; right. pose proof (Z.mod_pos_bound n m ltac:(lia)).
    assert (1 <= n / m) by nia.
    assert (m <> 2).
    { intros Em. rewrite Em in Hno, Hno1. apply Hno1. split; [nia | ].
      pose proof (Z.mod_pos_bound n 2 ltac:(lia)). lia. }
    repeat split; auto; lia.
Qed.

(** The printed witness is a TFLite layer and reproduces adaptive pooling. *)
Theorem tflite_witness_reproduces (n m : Z) (kind : pool_kind) (b : branch)
  (w : tflite_params) :
  1 <= n -> 1 <= m -> tflite_closed_form n m kind = (b, Some w) -> tflite_reproduces n m kind w.
Proof.
  intros Hn Hm H.
  destruct (tflite_closed_form_cases n m kind b w Hn Hm H) as
    (Hmn & [(-> & En & Hq & ->) | [(-> & Hm2 & En & Hq & ->) | (-> & Hm3 & En & Hq & ->)]]);
    set (q := n / m) in *; clearbody q; subst n;
    (split; [unfold valid_tflite; tf_simpl; destruct_ifs; lia|]).
  - rewrite tflite_valid_geometry.
    assert (Hs : 1 <= (if m =? 1 then 1 else q) /\ (m = 1 \/ (if m =? 1 then 1 else q) = q)).
    { destruct (Z.eqb_spec m 1); lia. }
    apply reproduces_of_fits; explicit_simpl; auto; try lia.
    + apply count_exact; destruct (Z.eqb_spec m 1); subst; nia.
    + apply fits_divisible; lia.
  - rewrite tflite_valid_geometry. apply reproduces_of_fits; explicit_simpl; auto; try lia.
    + apply count_exact; nia.
    + apply fits_remainder_one; lia.
  - set (N := (q + 1) * m - 1) in *.
    destruct (tflite_same_fields N (q + 2) (q + 1)) as (Hc & Hp & _). cbn zeta in Hc, Hp.
    assert (Ec : ceil_div N (q + 1) = m) by (apply ceil_eq; subst N; nia).
    rewrite Ec in Hc, Hp.
    assert (Et : (m - 1) * (q + 1) + (q + 2) - N = 2) by (subst N; ring).
    rewrite Et in Hp. destruct (Hp ltac:(lia)) as [Hb _].
    change (floor_div 2 2) with 1 in Hb.
    pose proof (tflite_fields N (mk_tflite (q + 2) (q + 1) tf_same)) as (Fk & Fs & Fd & Fp).
    tf_simpl.
    apply reproduces_of_fits; auto; try lia.
    rewrite Fk, Fs, Hb. replace (q + 2) with (q + 1 + 1) by lia. subst N.
    apply fits_remainder_minus; lia.
Qed.

(** THE THEOREM (TFLite): a reproducing layer exists iff m <= n and PyTorch's condition. *)
Theorem tflite_exists_iff (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m ->
  (exists p, tflite_reproduces n m kind p) <-> fst (tflite_closed_form n m kind) <> none.
Proof.
  intros Hn Hm. split.
  - intros [p Hp]. destruct (tflite_necessity n m kind p Hn Hm Hp) as [Hmn Hb].
    rewrite tflite_closed_form_none, closed_form_none by lia. intros [H | H]; [|lia].
    contradiction.
  - intros H. destruct (tflite_closed_form n m kind) as [b [w|]] eqn:Hc.
    + exists w. now apply (tflite_witness_reproduces n m kind b).
    + exfalso. apply H. cbn. unfold tflite_closed_form in Hc.
      destruct (closed_form_shape n m kind) as [Hs | (b0 & w0 & Hb0 & Hs)]; rewrite Hs in Hc.
      * now injection Hc as <-.
      * destruct b0; try (now contradiction Hb0); destruct (n <? m); try discriminate;
          now injection Hc as <-.
Qed.

(** The printed witness is the least TFLite layer: kernel, stride, then VALID before SAME. *)
Theorem tflite_witness_least (n m : Z) (kind : pool_kind) (b : branch) (w p : tflite_params) :
  1 <= n -> 1 <= m -> tflite_closed_form n m kind = (b, Some w) -> tflite_reproduces n m kind p ->
  lex_le (tflite_preference w) (tflite_preference p).
Proof.
  intros Hn Hm H [Hv Hr].
  pose proof (tflite_fields n p) as (Fk & Fs & Fd & _). destruct Hv as [Hk Hs].
  set (g := tflite_geometry n p) in *.
  assert (Hgk : 1 <= g_kernel g) by lia. assert (Hgs : 1 <= g_stride g) by lia.
  assert (Hgd : 1 <= g_dilation g) by lia.
  destruct (tflite_closed_form_cases n m kind b w Hn Hm H) as
    (Hmn & [(-> & En & Hq & ->) | [(-> & Hm2 & En & Hq & ->) | (-> & Hm3 & En & Hq & ->)]]);
    unfold tflite_preference; tf_simpl.
  - pose proof (least_divisible n m g kind Hn Hm Hgk Hgs Hgd Hr (n / m) Hq En) as [L1 L2].
    destruct (Z.eqb_spec m 1); destruct (tf_padding p); cbn; lia.
  - pose proof (least_remainder_one n m g kind Hn Hm Hgk Hgs Hgd Hr (n / m) Hq Hm2 En)
      as [L1 L2].
    destruct (tf_padding p); cbn; lia.
  - pose proof (least_remainder_minus n m g kind Hn Hm Hgk Hgs Hgd Hr (n / m + 1)
                  ltac:(lia) Hm3 En) as [L1 L2].
    destruct (tf_padding p) eqn:Hpad; cbn; [|lia].
    (* VALID has no left pad, which the n = -1 (mod m) windows need *)
    pose proof (remainder_minus_padded n m g kind Hn Hm Hgk Hgs Hgd Hr (n / m + 1) ltac:(lia)
                  Hm3 En) as Hpb.
    unfold g in Hpb. destruct p as [k s pad]; tf_simpl; subst pad.
    rewrite tflite_valid_geometry in Hpb. cbn in Hpb. lia.
Qed.

(** SAME with kernel = stride = n/m reproduces m | n (its total padding is 0). *)
Lemma tflite_same_divisible (q m : Z) (kind : pool_kind) :
  1 <= m -> 1 <= q -> tflite_reproduces (q * m) m kind (mk_tflite q q tf_same).
Proof.
  intros Hm Hq. split; [unfold valid_tflite; tf_simpl; lia|].
  destruct (tflite_same_fields (q * m) q q) as (Hc & Hp & _). cbn zeta in Hc, Hp.
  assert (Ec : ceil_div (q * m) q = m) by (apply ceil_eq; nia).
  rewrite Ec in Hc, Hp.
  assert (Et : (m - 1) * q + q - q * m = 0) by ring.
  rewrite Et in Hp. destruct (Hp ltac:(lia)) as [Hb He].
  change (floor_div 0 2) with 0 in Hb, He.
  pose proof (tflite_fields (q * m) (mk_tflite q q tf_same)) as (Fk & Fs & Fd & Fp). tf_simpl.
  apply reproduces_of_fits; auto; try lia.
  rewrite Fk, Fs, Hb. apply fits_divisible; lia.
Qed.

(** Counting the windows: with n = q*m + 1, m >= 3, the stride is q, and SAME's ceil(n/q)
    outputs are one too many. *)
Lemma tflite_same_not_remainder_one (n m : Z) (kind : pool_kind) (p : tflite_params) :
  1 <= n -> 3 <= m -> m < n -> n mod m = 1 -> tf_padding p = tf_same ->
  ~ tflite_reproduces n m kind p.
Proof.
  intros Hn Hm Hmn Hr Hs [Hv Hrep].
  pose proof (Z.div_mod n m ltac:(lia)) as En. rewrite Hr in En.
  set (q := n / m) in *. assert (Hq : 1 <= q) by nia. clearbody q.
  pose proof (tflite_fields n p) as (Fk & Fs & Fd & _). destruct Hv as [Hk Hs1].
  assert (Hfit : fits n m (g_kernel (tflite_geometry n p)) (g_stride (tflite_geometry n p))
                   (g_pad_begin (tflite_geometry n p))).
  { apply (reproduces_fits n m _ kind); auto; lia. }
  destruct (Hfit 1 ltac:(lia)) as [A1 _]. destruct (Hfit 2 ltac:(lia)) as [A2 _].
  assert (S1 : start_index 1 n m = 1 * q).
  { replace n with (q * m + 1) by lia. apply windows_remainder_one; lia. }
  assert (S2 : start_index 2 n m = 2 * q).
  { replace n with (q * m + 1) by lia. apply windows_remainder_one; lia. }
  rewrite S1 in A1. rewrite S2 in A2.
  assert (Esq : g_stride (tflite_geometry n p) = q) by lia.
  destruct p as [k s pad]; tf_simpl; subst pad.
  destruct (tflite_same_fields n k s) as (Hc & _). cbn zeta in Hc.
  destruct Hrep as [Hcount _]. rewrite Hc in Hcount. rewrite Fs in Esq. subst s.
  pose proof (ceil_bounds n q ltac:(lia)). rewrite Hcount in *. nia.
Qed.

(** VALID (TF's default, the tool's first choice for a whole layer): exactly m <= n with
    n mod m in {0, 1}. *)
Theorem tflite_valid_exists_iff (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m ->
  (exists p, tflite_reproduces n m kind p /\ tf_padding p = tf_valid) <->
  (m <= n /\ (n mod m = 0 \/ n mod m = 1)).
Proof.
  intros Hn Hm. pose proof (Z.mod_pos_bound n m ltac:(lia)) as Hmod. split.
  - intros (p & Hp & Hpad). destruct (tflite_necessity n m kind p Hn Hm Hp) as [Hmn Hb].
    split; [exact Hmn|]. unfold branch_holds in Hb.
    destruct Hb as [Hb | [[_ Hb] | Hb]]; auto.
    destruct (Z.le_gt_cases 3 m) as [Hm3 | Hm3]; [|lia].
    exfalso. destruct Hp as [Hv Hr].
    pose proof (tflite_fields n p) as (Fk & Fs & Fd & _). destruct Hv as [Hk Hs].
    pose proof (Z.div_mod n m ltac:(lia)) as En.
    pose proof (remainder_minus_padded n m (tflite_geometry n p) kind Hn Hm ltac:(lia)
                  ltac:(lia) ltac:(lia) Hr (n / m + 1) ltac:(nia) Hm3 ltac:(nia)) as Hpb.
    destruct p as [k s pad]; tf_simpl; subst pad.
    rewrite tflite_valid_geometry, explicit_pad_begin in Hpb. lia.
  - intros [Hmn Hr].
    assert (Hb : fst (tflite_closed_form n m kind) <> none).
    { rewrite tflite_closed_form_none, closed_form_none by lia. intros [H1 | H1]; [|lia].
      apply H1. unfold branch_holds. destruct Hr as [Hr | Hr]; [auto|].
      right; left. split; auto. destruct (Z.eq_dec m n) as [-> | ]; [|lia].
      rewrite Z.mod_same in Hr; lia. }
    destruct (tflite_closed_form_some n m kind Hb) as (b & w & H).
    exists w. split; [now apply (tflite_witness_reproduces n m kind b)|].
    destruct (tflite_closed_form_cases n m kind b w Hn Hm H) as
      (_ & [(_ & _ & _ & ->) | [(_ & _ & _ & _ & ->) | (_ & Hm3 & En & _ & ->)]]); auto.
    exfalso. pose proof (Z.div_mod n m ltac:(lia)). nia.
Qed.

(** SAME with kernel Q + 1, stride Q >= 2 reproduces n = Q*m - 1 (P = 2: one pad each side). *)
Lemma tflite_same_remainder_minus (q m : Z) (kind : pool_kind) :
  2 <= m -> 2 <= q -> tflite_reproduces (q * m - 1) m kind (mk_tflite (q + 1) q tf_same).
Proof.
  intros Hm Hq. split; [unfold valid_tflite; tf_simpl; lia|].
  set (N := q * m - 1).
  destruct (tflite_same_fields N (q + 1) q) as (Hc & Hp & _). cbn zeta in Hc, Hp.
  assert (Ec : ceil_div N q = m) by (apply ceil_eq; subst N; nia).
  rewrite Ec in Hc, Hp.
  assert (Et : (m - 1) * q + (q + 1) - N = 2) by (subst N; ring).
  rewrite Et in Hp. destruct (Hp ltac:(lia)) as [Hb _].
  change (floor_div 2 2) with 1 in Hb.
  pose proof (tflite_fields N (mk_tflite (q + 1) q tf_same)) as (Fk & Fs & Fd & Fp). tf_simpl.
  apply reproduces_of_fits; auto; try lia.
  rewrite Fk, Fs, Hb. subst N. apply fits_remainder_minus; lia.
Qed.

(** SAME (the tool's second choice for a whole layer): exactly m <= n with n mod m in
    {0, m - 1}. *)
Theorem tflite_same_exists_iff (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m ->
  (exists p, tflite_reproduces n m kind p /\ tf_padding p = tf_same) <->
  (m <= n /\ (n mod m = 0 \/ n mod m = m - 1)).
Proof.
  intros Hn Hm. pose proof (Z.mod_pos_bound n m ltac:(lia)) as Hmod.
  pose proof (Z.div_mod n m ltac:(lia)) as En. split.
  - intros (p & Hp & Hpad). destruct (tflite_necessity n m kind p Hn Hm Hp) as [Hmn Hb].
    split; [exact Hmn|]. unfold branch_holds in Hb.
    destruct Hb as [Hb | [[Hlt Hb] | Hb]]; auto.
    destruct (Z.le_gt_cases 3 m) as [Hm3 | Hm3]; [|right; lia].
    exfalso. exact (tflite_same_not_remainder_one n m kind p Hn Hm3 Hlt Hb Hpad Hp).
  - intros [Hmn [Hr | Hr]].
    + exists (mk_tflite (n / m) (n / m) tf_same). split; [|reflexivity].
      replace n with (n / m * m) at 1 by lia. apply tflite_same_divisible; [lia | nia].
    + destruct (Z.eq_dec m 1) as [-> | Hm1].
      * exists (mk_tflite n n tf_same). split; [|reflexivity].
        replace n with (n * 1) at 1 by lia. apply tflite_same_divisible; lia.
      * exists (mk_tflite (n / m + 1 + 1) (n / m + 1) tf_same). split; [|reflexivity].
        replace n with ((n / m + 1) * m - 1) at 1 by lia.
        apply tflite_same_remainder_minus; nia.
Qed.

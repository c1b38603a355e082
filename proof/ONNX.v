(* The theorem for ONNX AveragePool / MaxPool (export_pool.h): existence iff PyTorch's condition
   or n = 1, the witness, its leastness over NOTSET and auto_pad layers alike, and the flags. *)
From Coq Require Import ZArith Lia Bool List.
From Poolproof Require Import Zfacts Semantics Windows Geometry Necessity ClosedForm
  Sufficiency Least PyTorch.
Import ListNotations.
Open Scope Z_scope.

(** An ONNX layer the tool accepts that reproduces adaptive pooling n -> m. *)
Definition onnx_reproduces (n m : Z) (kind : pool_kind) (p : onnx_params) : Prop :=
  valid_onnx kind p /\ reproduces n m (onnx_geometry n p kind) kind.

Ltac ox_simpl :=
  unfold ox_layer in *;
  cbn [ox_kernel ox_stride ox_pad_begin ox_pad_end ox_dilation ox_auto_pad ox_ceil_mode
       ox_count_include_pad] in *.

Definition padded_divisor (kind : pool_kind) (cip : bool) : bool :=
  match kind with avg => cip | max => false end.

(** A NOTSET layer's geometry: its explicit pads. *)
Lemma onnx_notset_fields (n : Z) (kind : pool_kind) (p : onnx_params) :
  ox_auto_pad p = notset ->
  let g := onnx_geometry n p kind in
  g_kernel g = ox_kernel p /\ g_stride g = ox_stride p /\ g_dilation g = ox_dilation p /\
  g_pad_begin g = ox_pad_begin p /\ g_pad_end g = ox_pad_end p /\
  g_divide_by_padded g = padded_divisor kind (ox_count_include_pad p) /\
  g_count g = g_count (explicit_pads_geometry n (ox_kernel p) (ox_stride p) (ox_dilation p)
                         (ox_pad_begin p) (ox_pad_end p) (ox_ceil_mode p)).
Proof. intros H. unfold onnx_geometry. rewrite H. destruct kind; repeat split. Qed.

(** Every ONNX geometry has kernel, stride and dilation at least 1. *)
Lemma onnx_geometry_ranges (n : Z) (kind : pool_kind) (p : onnx_params) :
  valid_onnx kind p ->
  let g := onnx_geometry n p kind in
  1 <= g_kernel g /\ 1 <= g_stride g /\ 1 <= g_dilation g.
Proof.
  intros (Hk & Hs & Hd & _). unfold onnx_geometry.
  destruct (ox_auto_pad p); cbn; destruct_ifs; cbn; lia.
Qed.

(** A NOTSET layer without dilation whose windows fit and whose span is exactly m - 1 strides. *)
Lemma onnx_layer_reproduces (n m k s pb pe : Z) (c v : bool) (kind : pool_kind) :
  1 <= n -> 1 <= m -> 1 <= k -> 1 <= s -> 0 <= pb <= k - 1 -> 0 <= pe <= k - 1 ->
  fits n m k s pb ->
  n + pb + pe - (k - 1) - 1 = (m - 1) * s -> (m - 1) * s < n + pb ->
  (kind = avg -> v = true -> pb = 0 /\ pe = 0) ->
  onnx_reproduces n m kind (mk_onnx k s pb pe 1 notset c v).
Proof.
  intros Hn Hm Hk Hs Hb He Hfit Hspan Hlast Hv.
  pose proof (onnx_notset_fields n kind (mk_onnx k s pb pe 1 notset c v) eq_refl) as F. ox_simpl.
  destruct F as (Fk & Fs & Fd & Fb & Fe & Fp & Fc).
  split; [unfold valid_onnx; ox_simpl; repeat split; lia|].
  apply fits_reproduces; auto; try lia; try (rewrite Fk, Fs, Fb; exact Hfit).
  - rewrite Fc. apply count_exact; lia.
  - intros -> o Ho. destruct v; cbn in Fp.
    + destruct (Hv eq_refl eq_refl).
      apply divisor_padded_no_pads; auto; try lia; rewrite ?Fk, ?Fs, ?Fb; auto; lia.
    + apply divisor_unpadded; auto; try lia; try (rewrite Fk, Fs, Fb; exact Hfit).
Qed.

(** SAME pads, when not negative, are explicit pads below the kernel with the same count. *)
Lemma same_as_explicit (n k s : Z) (lower : bool) :
  1 <= n -> 1 <= k -> 1 <= s ->
  let g := same_geometry n k s lower in
  0 <= g_pad_begin g -> 0 <= g_pad_end g ->
  explicit_pads_geometry n k s 1 (g_pad_begin g) (g_pad_end g) false = g /\
  g_pad_begin g <= k - 1 /\ g_pad_end g <= k - 1.
Proof.
  intros Hn Hk Hs. unfold same_geometry. cbn zeta.
  set (c := ceil_div n s). pose proof (ceil_bounds n s ltac:(lia)) as Hc. fold c in Hc.
  set (b := if lower then ceil_div ((c - 1) * s + k - n) 2 else floor_div ((c - 1) * s + k - n) 2).
  cbn [g_pad_begin g_pad_end]. intros Hb He. split; [|lia].
  unfold explicit_pads_geometry, floor_div. rewrite Z.mul_1_l. cbn [andb].
  f_equal. rewrite (div_eq _ s (c - 1)); nia.
Qed.

(** Every auto_pad layer that reproduces is a NOTSET layer of the same geometry, kernel,
    stride, dilation and count_include_pad, without ceil_mode; so it never comes first. *)
Lemma onnx_auto_pad_as_notset (n m : Z) (kind : pool_kind) (p : onnx_params) :
  1 <= n -> 1 <= m -> onnx_reproduces n m kind p ->
  exists p', onnx_reproduces n m kind p' /\ ox_auto_pad p' = notset /\
             onnx_geometry n p' kind = onnx_geometry n p kind /\
             lex_le (onnx_preference n kind p') (onnx_preference n kind p) /\
             ox_count_include_pad p' = ox_count_include_pad p.
Proof.
  intros Hn Hm [Hv Hr].
  destruct (ox_auto_pad p) eqn:Ha.
  1: exists p; split; [split; auto | split; [auto | split; [auto | split; [apply lex_le_refl | auto]]]].
  (* VALID: the explicit rule without pads *)
  3:{ destruct Hv as (Hk & Hs & Hd & Havg & Hpads). rewrite Ha in Hpads.
      destruct Hpads as (Hb0 & He0 & Hc0 & Hd1).
      set (p' := mk_onnx (ox_kernel p) (ox_stride p) 0 0 1 notset false (ox_count_include_pad p)).
      assert (Eg : onnx_geometry n p' kind = onnx_geometry n p kind).
      { unfold onnx_geometry. rewrite Ha. subst p'. ox_simpl. now rewrite Hc0, Hd1. }
      exists p'. split; [|split; [reflexivity | split; [exact Eg| split; [|reflexivity]]]].
      * split; [unfold valid_onnx; subst p'; ox_simpl; repeat split; lia | now rewrite Eg].
      * unfold onnx_preference. rewrite Eg. subst p'. ox_simpl. rewrite Ha, Hc0, Hd1.
        apply lex_le_pointwise; [reflexivity|].
        destruct kind; cbn; repeat constructor; lia. }
  (* SAME_UPPER and SAME_LOWER alike *)
  all: destruct Hv as (Hk & Hs & Hd & Havg & Hpads); rewrite Ha in Hpads;
    destruct Hpads as (Hb0 & He0 & Hc0 & Hd1);
    set (lower := match ox_auto_pad p with same_lower => true | _ => false end);
    set (g := same_geometry n (ox_kernel p) (ox_stride p) lower);
    assert (Eg : onnx_geometry n p kind =
                 if (g_pad_begin g <? 0) || (g_pad_end g <? 0)
                 then with_count (with_divisor g (padded_divisor kind (ox_count_include_pad p))) 0
                 else with_divisor g (padded_divisor kind (ox_count_include_pad p)))
      by (unfold onnx_geometry, g, lower; rewrite Ha; destruct kind; reflexivity);
    destruct (Z.ltb_spec (g_pad_begin g) 0), (Z.ltb_spec (g_pad_end g) 0); cbn in Eg;
    try (destruct Hr as [Hc _]; rewrite Eg in Hc; cbn in Hc; lia);
    assert (Hb' : 0 <= g_pad_begin g) by lia; assert (He' : 0 <= g_pad_end g) by lia;
    destruct (same_as_explicit n (ox_kernel p) (ox_stride p) lower Hn Hk Hs Hb' He')
      as (Ex & Hbk & Hek); fold g in Ex, Hbk, Hek;
    set (p' := mk_onnx (ox_kernel p) (ox_stride p) (g_pad_begin g) (g_pad_end g) 1 notset false
                 (ox_count_include_pad p));
    assert (Eg' : onnx_geometry n p' kind = onnx_geometry n p kind)
      by (rewrite Eg; unfold onnx_geometry; subst p'; ox_simpl; rewrite Ex;
          destruct kind; reflexivity);
    exists p'; (split; [|split; [reflexivity | split; [exact Eg'| split; [|reflexivity]]]]);
    [ split; [unfold valid_onnx; subst p'; ox_simpl; repeat split; lia | now rewrite Eg']
    | unfold onnx_preference; rewrite Eg'; subst p'; ox_simpl; rewrite Ha, Hc0, Hd1;
      apply lex_le_pointwise; [reflexivity|];
      rewrite Eg; destruct kind; cbn; repeat constructor; lia ].
Qed.

(** A NOTSET layer's preference vector: its own pads, auto_pad 0. *)
Lemma onnx_notset_preference (n : Z) (kind : pool_kind) (p : onnx_params) :
  ox_auto_pad p = notset ->
  onnx_preference n kind p =
  [ox_kernel p; ox_stride p; ox_pad_begin p; ox_pad_end p; b2z (ox_ceil_mode p); 0;
   match kind with max => ox_dilation p | avg => b2z (ox_count_include_pad p) end].
Proof.
  intros H. unfold onnx_preference.
  destruct (onnx_notset_fields n kind p H) as (_ & _ & _ & -> & -> & _). now rewrite H.
Qed.

(** The branches of onnx_closed_form, with their witnesses (q = n / m). *)
Lemma onnx_closed_form_cases (n m : Z) (kind : pool_kind) (b : branch) (w : onnx_params) :
  1 <= n -> 1 <= m -> onnx_closed_form n m kind = (b, Some w) ->
  (b = divisible /\ n = (n / m) * m /\ 1 <= n / m /\
   w = ox_layer (n / m) (if m =? 1 then 1 else n / m) 0 0 false) \/
  (b = remainder_one /\ 2 <= m /\ n = (n / m) * m + 1 /\ 1 <= n / m /\
   w = ox_layer (n / m + 1) (n / m) 0 0 false) \/
  (b = remainder_minus /\ n mod m <> 0 /\ ~ (m < n /\ n mod m = 1) /\ 2 <= m /\
   n = (n / m + 1) * m - 1 /\
   w = ox_layer (n / m + 2) (n / m + 1) 1 (if n / m + 1 =? 1 then 1 else 0)
         (negb (n / m + 1 =? 1))) \/
  (b = input_one /\ n = 1 /\ 3 <= m /\ w = ox_layer m 1 (m - 1) (m - 1) false).
Proof.
  intros Hn Hm H. unfold onnx_closed_form in H.
  destruct (closed_form_shape n m kind) as [Hc | (b0 & w0 & Hb0 & Hc)]; rewrite Hc in H.
  - destruct (Z.eqb_spec n 1) as [-> | ]; [|discriminate].
    injection H as <- <-. right; right; right. repeat split; auto.
    assert (Hno : fst (closed_form 1 m kind) = none) by (rewrite Hc; reflexivity).
    apply closed_form_none in Hno; [|lia]. unfold branch_holds in Hno.
    destruct (Z.le_gt_cases 3 m); auto.
    exfalso. apply Hno. assert (m = 1 \/ m = 2) as [-> | ->] by lia; cbn; lia.
  - destruct (closed_form_cases n m kind b0 w0 Hn Hm Hc) as
      [(-> & En & Hq & ->) | [(-> & _ & Hm2 & En & Hq & ->) | (-> & Hno & Hno1 & Hm2 & En & ->)]];
      cbn in H; injection H as <- <-.
    + left. repeat split; auto.
    + right; left. repeat split; auto.
    + right; right; left. repeat split; auto.
Qed.

Lemma onnx_closed_form_none (n m : Z) (kind : pool_kind) :
  fst (onnx_closed_form n m kind) = none <-> fst (closed_form n m kind) = none /\ n <> 1.
Proof.
  unfold onnx_closed_form.
  destruct (closed_form_shape n m kind) as [Hc | (b0 & w0 & Hb0 & Hc)]; rewrite Hc.
  - destruct (Z.eqb_spec n 1); cbn; split; try tauto; try discriminate.
  - destruct b0; cbn; split; try tauto; try discriminate; intros [H _]; discriminate.
Qed.

(** The printed witness is a valid ONNX layer and reproduces adaptive pooling. *)
Theorem onnx_witness_reproduces (n m : Z) (kind : pool_kind) (b : branch) (w : onnx_params) :
  1 <= n -> 1 <= m -> onnx_closed_form n m kind = (b, Some w) -> onnx_reproduces n m kind w.
Proof.
  intros Hn Hm H.
  destruct (onnx_closed_form_cases n m kind b w Hn Hm H) as
    [(-> & En & Hq & ->) | [(-> & Hm2 & En & Hq & ->) | [(-> & Hno & Hno1 & Hm2 & En & ->) |
                                                         (-> & En1 & Hm3 & ->)]]];
    unfold ox_layer; set (q := n / m) in *; clearbody q.
  - subst n. apply onnx_layer_reproduces; try lia.
    all: first [apply fits_divisible; destruct (Z.eqb_spec m 1); lia
               | destruct (Z.eqb_spec m 1); subst; nia | discriminate].
  - subst n. apply onnx_layer_reproduces; try lia; try nia.
    all: first [apply fits_remainder_one; lia | discriminate].
  - assert (0 <= q) by nia. subst n.
    assert (Hfit : fits ((q + 1) * m - 1) m (q + 2) (q + 1) 1).
    { replace (q + 2) with (q + 1 + 1) by lia. apply fits_remainder_minus; lia. }
    destruct (Z.eqb_spec (q + 1) 1) as [Hq1 | Hq1]; cbn [negb].
    + apply onnx_layer_reproduces; try lia; try nia; try discriminate; exact Hfit.
    + (* pads (1, 0): m outputs only by ceil_mode *)
      pose proof (onnx_notset_fields ((q + 1) * m - 1) kind
                    (mk_onnx (q + 2) (q + 1) 1 0 1 notset true false) eq_refl) as F. ox_simpl.
      destruct F as (Fk & Fs & Fd & Fb & Fe & Fp & Fc).
      split; [unfold valid_onnx; ox_simpl; repeat split; lia|].
      apply fits_reproduces; auto; try lia; try (rewrite Fk, Fs, Fb; exact Hfit).
      * rewrite Fc. apply (count_ceil _ _ _ _ _ _ _ 1); nia.
      * intros -> o Ho.
        apply divisor_unpadded; auto; try lia; try (rewrite Fk, Fs, Fb; exact Hfit).
  - subst n. apply onnx_layer_reproduces; try lia; try discriminate. apply fits_input_one; lia.
Qed.

(** THE THEOREM (ONNX): a reproducing layer exists iff PyTorch's condition holds or n = 1. *)
Theorem onnx_exists_iff (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m ->
  (exists p, onnx_reproduces n m kind p) <-> fst (onnx_closed_form n m kind) <> none.
Proof.
  intros Hn Hm. split.
  - intros [p [Hv Hr]]. rewrite onnx_closed_form_none. intros [Hno Hn1].
    apply closed_form_none in Hno; [|lia]. apply Hno.
    destruct (onnx_geometry_ranges n kind p Hv) as (? & ? & ?).
    apply (geometry_necessity n m (onnx_geometry n p kind) kind); auto; lia.
  - intros H. destruct (onnx_closed_form n m kind) as [b [w|]] eqn:Hc.
    + exists w. now apply (onnx_witness_reproduces n m kind b).
    + exfalso. apply H.
      destruct (closed_form_shape n m kind) as [Hs | (b0 & w0 & Hb0 & Hs)];
        unfold onnx_closed_form in Hc; rewrite Hs in Hc.
      * destruct (n =? 1); [discriminate | injection Hc as <-; reflexivity].
      * destruct b0; try discriminate. now contradiction Hb0.
Qed.

(** The printed witness is the least reproducing ONNX layer in the solver's order (kernel,
    stride, pads, ceil_mode, auto_pad, then dilation or count_include_pad). *)
Theorem onnx_witness_least (n m : Z) (kind : pool_kind) (b : branch) (w p : onnx_params) :
  1 <= n -> 1 <= m -> onnx_closed_form n m kind = (b, Some w) -> onnx_reproduces n m kind p ->
  lex_le (onnx_preference n kind w) (onnx_preference n kind p).
Proof.
  intros Hn Hm H Hp.
  destruct (onnx_auto_pad_as_notset n m kind p Hn Hm Hp) as (p' & [Hv Hr] & Ha & _ & Hle & _).
  apply (lex_le_trans _ (onnx_preference n kind p')); [|exact Hle]. clear Hle Hp.
  rewrite (onnx_notset_preference n kind p' Ha).
  pose proof (onnx_notset_fields n kind p' Ha) as (Fk & Fs & Fd & Fb & Fe & Fp & Fc).
  destruct Hv as (Hk & Hs & Hd & Havg & Hpads). rewrite Ha in Hpads.
  set (g := onnx_geometry n p' kind) in *.
  assert (Hgk : 1 <= g_kernel g) by lia. assert (Hgs : 1 <= g_stride g) by lia.
  assert (Hgd : 1 <= g_dilation g) by lia.
  pose proof Hr as [Hcount _]. rewrite Fc in Hcount.
  destruct (onnx_closed_form_cases n m kind b w Hn Hm H) as
    [(-> & En & Hq & ->) | [(-> & Hm2 & En & Hq & ->) | [(-> & Hno & Hno1 & Hm2 & En & ->) |
                                                         (-> & En1 & Hm3 & ->)]]];
    rewrite onnx_notset_preference by reflexivity; unfold ox_layer; ox_simpl.
  - pose proof (least_divisible n m g kind Hn Hm Hgk Hgs Hgd Hr (n / m) Hq En) as [L1 L2].
    destruct (Z.eqb_spec m 1); destruct kind, (ox_ceil_mode p'), (ox_count_include_pad p');
      cbn; lia.
  - pose proof (least_remainder_one n m g kind Hn Hm Hgk Hgs Hgd Hr (n / m) Hq Hm2 En)
      as [L1 L2].
    destruct kind, (ox_ceil_mode p'), (ox_count_include_pad p'); cbn; lia.
  - assert (0 <= n / m) by (apply Z.div_pos; lia).
    destruct (Z.le_gt_cases 3 m) as [Hm3 | Hm3].
    + pose proof (least_remainder_minus n m g kind Hn Hm Hgk Hgs Hgd Hr (n / m + 1)
                    ltac:(lia) Hm3 En) as [L1 L2].
      (* window 1 holds n/m + 2 >= 2 inputs: no dilation *)
      assert (Hd1 : g_dilation g = 1).
      { apply (long_window_undilated n m g kind 1); auto; try lia.
        rewrite En, (start_remainder_minus (n / m + 1) m 1), (end_remainder_minus (n / m + 1) m 1);
          lia. }
      destruct (Z.eqb_spec (n / m + 1) 1) as [Hq1 | Hq1]; cbn [negb].
      * (* m = n + 1: pads (1, 1); with end pad 0 there are at most n outputs *)
        assert (Hpe : g_kernel g = 2 -> 1 <= ox_pad_end p').
        { intros Hk2. destruct (L2 ltac:(lia)) as [Es Eb].
          rewrite <- Fk, <- Fs, <- Fd, <- Fb, <- Fe, Es, Hk2 in Hcount. rewrite Hq1 in Hcount.
          pose proof (count_upper_stride_one n 2 (g_dilation g) (g_pad_begin g) (ox_pad_end p')
                        (ox_ceil_mode p')).
          rewrite Hd1, Eb, Fe in *. nia. }
        destruct kind, (ox_ceil_mode p'), (ox_count_include_pad p'); cbn; lia.
      * (* pads (1, 0) need ceil_mode: without it the span leaves m - 1 outputs *)
        assert (Hceil : g_kernel g = n / m + 2 -> ox_pad_end p' = 0 -> ox_ceil_mode p' = true).
        { intros Hk2 He0. destruct (L2 ltac:(lia)) as [Es Eb].
          destruct (ox_ceil_mode p') eqn:Ec; auto.
          rewrite <- Fk, <- Fs, <- Fd, <- Fb, He0 in Hcount.
          rewrite (count_floor_short _ _ _ _ _ _ m 1) in Hcount; try lia.
          all: rewrite Hk2, Es, Eb, Hd1; nia. }
        destruct kind, (ox_ceil_mode p'), (ox_count_include_pad p'); cbn; lia.
    + (* 1 -> 2 *)
      assert (n = 1 /\ m = 2) as [E1 E2].
      { assert (Em : m = 2) by lia. rewrite Em in Hno, Hno1 |- *.
        pose proof (Z.mod_pos_bound n 2 ltac:(lia)).
        assert (~ 2 < n) by (intros ?; apply Hno1; split; lia). lia. }
      pose proof (least_one_to_two n m g kind Hn Hm Hgk Hgs Hgd Hr E1 E2) as [L1 L2].
      assert (Eq0 : n / m = 0) by (rewrite E1, E2; reflexivity).
      assert (Hpe : g_kernel g = 2 -> g_stride g = 1 -> 1 <= ox_pad_end p').
      { intros Hk2 Hs1. rewrite <- Fk, <- Fs, <- Fd, <- Fb, Hk2, Hs1 in Hcount.
        pose proof (count_upper_stride_one n 2 (g_dilation g) (g_pad_begin g) (ox_pad_end p')
                      (ox_ceil_mode p')).
        rewrite E1, E2 in *. lia. }
      rewrite Eq0. cbn.
      destruct kind, (ox_ceil_mode p'), (ox_count_include_pad p'); cbn; lia.
  - pose proof (least_input_one n m g kind Hn Hm Hgk Hgd Hr En1) as L1.
    assert (Hpe : g_kernel g = m -> g_stride g = 1 -> g_pad_begin g = m - 1 ->
                  m - 1 <= ox_pad_end p').
    { intros Hk2 Hs1 Hb1. rewrite <- Fk, <- Fs, <- Fd, <- Fb, Hk2, Hs1, Hb1 in Hcount.
      pose proof (count_upper_stride_one n m (g_dilation g) (m - 1) (ox_pad_end p')
                    (ox_ceil_mode p')).
      rewrite En1 in *. nia. }
    assert (g_stride g = 1 \/ 2 <= g_stride g) as [Hs1 | Hs2] by lia.
    + destruct kind, (ox_ceil_mode p'), (ox_count_include_pad p'); cbn; nia.
    + assert (m <= g_kernel g - 1) by nia.
      destruct kind, (ox_ceil_mode p'), (ox_count_include_pad p'); cbn; lia.
Qed.

(** The layer of each branch with any ceil_mode and either count_include_pad where the branch
    has no padding: pads (1, 1) for n = -1 (mod m) (exact, so ceil_mode does not matter). *)
Lemma onnx_branch_flags (n m : Z) (kind : pool_kind) (b : branch) (w : onnx_params)
  (c v : bool) :
  1 <= n -> 1 <= m -> onnx_closed_form n m kind = (b, Some w) ->
  (kind = avg -> v = true -> b = divisible \/ b = remainder_one) ->
  exists p, onnx_reproduces n m kind p /\ ox_auto_pad p = notset /\ ox_ceil_mode p = c /\
            ox_count_include_pad p = v.
Proof.
  intros Hn Hm H Hv.
  destruct (onnx_closed_form_cases n m kind b w Hn Hm H) as
    [(-> & En & Hq & ->) | [(-> & Hm2 & En & Hq & ->) | [(-> & Hno & Hno1 & Hm2 & En & ->) |
                                                         (-> & En1 & Hm3 & ->)]]];
    set (q := n / m) in *; clearbody q.
  - exists (mk_onnx q (if m =? 1 then 1 else q) 0 0 1 notset c v).
    split; [|auto]. subst n. apply onnx_layer_reproduces; try lia.
    all: first [apply fits_divisible; destruct (Z.eqb_spec m 1); lia
               | destruct (Z.eqb_spec m 1); subst; nia | lia].
  - exists (mk_onnx (q + 1) q 0 0 1 notset c v).
    split; [|auto]. subst n. apply onnx_layer_reproduces; try lia; try nia.
    apply fits_remainder_one; lia.
  - assert (0 <= q) by nia.
    exists (mk_onnx (q + 2) (q + 1) 1 1 1 notset c v).
    split; [|auto]. subst n. apply onnx_layer_reproduces; try lia; try nia.
    + replace (q + 2) with (q + 1 + 1) by lia. apply fits_remainder_minus; lia.
    + intros Ha Hv'. destruct (Hv Ha Hv'); discriminate.
  - exists (mk_onnx m 1 (m - 1) (m - 1) 1 notset c v).
    split; [|auto]. subst n. apply onnx_layer_reproduces; try lia.
    + apply fits_input_one; lia.
    + intros Ha Hv'. destruct (Hv Ha Hv'); discriminate.
Qed.

(** Counting the padding (avg) needs pad_begin 0, which only the branches without padding
    have. *)
Lemma onnx_padded_divisor_branch (n m : Z) (b : branch) (w p : onnx_params) :
  1 <= n -> 1 <= m -> onnx_closed_form n m avg = (b, Some w) -> onnx_reproduces n m avg p ->
  ox_count_include_pad p = true -> b = divisible \/ b = remainder_one.
Proof.
  intros Hn Hm H Hp Hcip.
  destruct (onnx_auto_pad_as_notset n m avg p Hn Hm Hp) as (p' & [Hv Hr] & Ha & _ & _ & Hc).
  pose proof (onnx_notset_fields n avg p' Ha) as (Fk & Fs & Fd & Fb & Fe & Fp & _).
  destruct Hv as (Hk & Hs & Hd & Havg & Hpads). rewrite Ha in Hpads.
  set (g := onnx_geometry n p' avg) in *.
  assert (Hpb : g_pad_begin g <= 0).
  { apply (padded_divisor_needs_no_pad n m g); auto; try lia.
    - rewrite Fd. auto.
    - rewrite Fp. cbn. congruence. }
  destruct (onnx_closed_form_cases n m avg b w Hn Hm H) as
    [(-> & _) | [(-> & _) | [(-> & Hno & Hno1 & Hm2 & En & _) | (-> & En1 & Hm3 & _)]]];
    auto; exfalso.
  - assert (0 <= n / m) by (apply Z.div_pos; lia).
    destruct (Z.le_gt_cases 3 m) as [Hm3 | Hm3].
    + pose proof (remainder_minus_padded n m g avg Hn Hm ltac:(lia) ltac:(lia) ltac:(lia) Hr
                    (n / m + 1) ltac:(lia) Hm3 En). lia.
    + assert (n = 1 /\ m = 2) as [E1 E2].
      { assert (Em : m = 2) by lia. rewrite Em in Hno, Hno1 |- *.
        pose proof (Z.mod_pos_bound n 2 ltac:(lia)).
        assert (~ 2 < n) by (intros ?; apply Hno1; split; lia). lia. }
      pose proof (least_one_to_two n m g avg Hn Hm ltac:(lia) ltac:(lia) ltac:(lia) Hr E1 E2).
      lia.
  - pose proof (least_input_one n m g avg Hn Hm ltac:(lia) ltac:(lia) Hr En1). nia.
Qed.

(** Every flag setting the tool may fix for a whole NOTSET layer (flag_choices: ceil_mode, and
    count_include_pad): such a layer exists iff the closed form has a branch, except that
    counting the padding (avg) leaves only m | n and n = 1 (mod m), n > m. *)
Theorem onnx_flags_exists_iff (n m : Z) (kind : pool_kind) (c : bool) (cip : option bool) :
  1 <= n -> 1 <= m ->
  (exists p, onnx_reproduces n m kind p /\ ox_auto_pad p = notset /\ ox_ceil_mode p = c /\
             (forall v, cip = Some v -> ox_count_include_pad p = v)) <->
  (fst (onnx_closed_form n m kind) <> none /\
   (kind = avg -> cip = Some true ->
    fst (onnx_closed_form n m kind) = divisible \/
    fst (onnx_closed_form n m kind) = remainder_one)).
Proof.
  intros Hn Hm. split.
  - intros (p & Hp & Ha & Hc & Hcip). split.
    + apply onnx_exists_iff; eauto.
    + intros -> ->.
      destruct (onnx_closed_form n m avg) as [b [w|]] eqn:H.
      * exact (onnx_padded_divisor_branch n m b w p Hn Hm H Hp (Hcip true eq_refl)).
      * exfalso. assert (Hno : fst (onnx_closed_form n m avg) <> none)
          by (apply onnx_exists_iff; eauto).
        rewrite onnx_closed_form_none in Hno. unfold onnx_closed_form in H.
        destruct (closed_form_shape n m avg) as [Hs | (b0 & w0 & Hb0 & Hs)]; rewrite Hs in H.
        -- destruct (Z.eqb_spec n 1); [discriminate|]. apply Hno. rewrite Hs. auto.
        -- destruct b0; try discriminate. now contradiction Hb0.
  - intros [Hb Hcip].
    destruct (onnx_closed_form n m kind) as [b [w|]] eqn:H.
    + destruct (onnx_branch_flags n m kind b w c (match cip with Some v => v | None => false end)
                  Hn Hm H) as (p & Hp & Ha & Hc & Hv).
      * intros Ha Hv. destruct cip as [[|]|]; try discriminate. exact (Hcip Ha eq_refl).
      * exists p. split; [exact Hp | split; [exact Ha | split; [exact Hc|]]].
        intros v' ->. exact Hv.
    + exfalso. apply Hb. cbn. unfold onnx_closed_form in H.
      destruct (closed_form_shape n m kind) as [Hs | (b0 & w0 & Hb0 & Hs)]; rewrite Hs in H.
      * destruct (n =? 1); [discriminate | now injection H as <-].
      * destruct b0; try discriminate. now contradiction Hb0.
Qed.

(** ceil_mode never changes the answer. *)
Corollary onnx_ceil_mode_irrelevant (n m : Z) (kind : pool_kind) (c : bool) :
  1 <= n -> 1 <= m ->
  (exists p, onnx_reproduces n m kind p /\ ox_ceil_mode p = c) <->
  (exists p, onnx_reproduces n m kind p).
Proof.
  intros Hn Hm. split; [intros (p & Hp & _); eauto|].
  intros Hex. apply onnx_exists_iff in Hex; auto.
  destruct (proj2 (onnx_flags_exists_iff n m kind c None Hn Hm)) as (p & Hp & _ & Hc & _).
  - split; [exact Hex | intros _ H; discriminate].
  - eauto.
Qed.

(** The divisor never obstructs: an AveragePool exists iff a MaxPool does. *)
Corollary onnx_avg_iff_max (n m : Z) :
  1 <= n -> 1 <= m ->
  (exists p, onnx_reproduces n m avg p) <-> (exists p, onnx_reproduces n m max p).
Proof.
  intros Hn Hm. rewrite !onnx_exists_iff by auto.
  rewrite !onnx_closed_form_none. now rewrite (closed_form_branch_kind n m avg max).
Qed.

(** Counting the padding (count_include_pad=1, avg, any auto_pad) leaves exactly m | n and
    n = 1 (mod m) with n > m. *)
Corollary onnx_count_include_pad_iff (n m : Z) :
  1 <= n -> 1 <= m ->
  (exists p, onnx_reproduces n m avg p /\ ox_count_include_pad p = true) <->
  (fst (onnx_closed_form n m avg) = divisible \/ fst (onnx_closed_form n m avg) = remainder_one).
Proof.
  intros Hn Hm. split.
  - intros (p & Hp & Hcip).
    destruct (onnx_closed_form n m avg) as [b [w|]] eqn:H.
    + exact (onnx_padded_divisor_branch n m b w p Hn Hm H Hp Hcip).
    + exfalso. assert (Hex : exists p, onnx_reproduces n m avg p) by eauto.
      apply onnx_exists_iff in Hex; auto. rewrite H in Hex.
      apply Hex. unfold onnx_closed_form in H |- *.
      destruct (closed_form_shape n m avg) as [Hs | (b0 & w0 & Hb0 & Hs)]; rewrite Hs in H.
      * destruct (n =? 1); [discriminate | now injection H as <-].
      * destruct b0; try discriminate. now contradiction Hb0.
  - intros Hb.
    destruct (proj2 (onnx_flags_exists_iff n m avg false (Some true) Hn Hm)) as
      (p & Hp & _ & _ & Hcip).
    + split; [destruct Hb as [-> | ->]; discriminate | auto].
    + exists p. auto.
Qed.

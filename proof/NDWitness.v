(* The per-axis layers the tool prints for an N-D layer: under the shared flags nd_closed_form
   chooses, each axis's witness reproduces it, meets the flags, and is the least such layer. *)
From Coq Require Import ZArith Lia Bool List.
From Poolproof Require Import Zfacts Semantics Windows Geometry Necessity ClosedForm
  Sufficiency Least PyTorch ONNX TFLite ND.
Import ListNotations.
Open Scope Z_scope.

(** The witness of one axis under flags f: the closed form's witness with the flags the layer
    shares (PyTorch: ceil_mode and count_include_pad; ONNX: pads (1, 1) instead of ceil_mode for
    n = -1 (mod m); TFLite SAME: kernel = stride = n/m for m | n, else the n = -1 (mod m) one). *)
Definition nd_axis_witness (family : pool_family) (kind : pool_kind) (f : shared_flags)
  (n m : Z) : option family_params :=
  match family with
  | pytorch =>
      match closed_form n m kind with
      | (_, Some w) =>
          Some (pytorch_layer
                  (mk_pytorch (pt_kernel w) (pt_stride w) (pt_padding w) (pt_dilation w)
                     (match sf_ceil_mode f with Some c => c | None => pt_ceil_mode w end)
                     (match sf_count_include_pad f with
                      | Some v => v | None => pt_count_include_pad w end)))
      | _ => None
      end
  | onnx =>
      match onnx_closed_form n m kind with
      | (_, Some w) =>
          Some (onnx_layer (if ox_ceil_mode w
                            then mk_onnx (ox_kernel w) (ox_stride w) 1 1 1 notset false false
                            else w))
      | _ => None
      end
  | tflite =>
      match sf_auto_pad f with
      | Some same_upper =>
          Some (tflite_layer (if n mod m =? 0 then mk_tflite (n / m) (n / m) tf_same
                              else mk_tflite (n / m + 2) (n / m + 1) tf_same))
      | _ => option_map tflite_layer (snd (tflite_closed_form n m kind))
      end
  end.

(** w reproduces n -> m, meets f, and comes first among the family's layers that do both. *)
Definition least_under (family : pool_family) (kind : pool_kind) (f : shared_flags) (n m : Z)
  (w : family_params) : Prop :=
  match family, w with
  | pytorch, pytorch_layer p =>
      pytorch_reproduces n m kind p /\ pytorch_meets f p /\
      forall q, pytorch_reproduces n m kind q -> pytorch_meets f q ->
                lex_le (pytorch_preference kind p) (pytorch_preference kind q)
  | onnx, onnx_layer p =>
      onnx_reproduces n m kind p /\ onnx_meets f p /\
      forall q, onnx_reproduces n m kind q -> onnx_meets f q ->
                lex_le (onnx_preference n kind p) (onnx_preference n kind q)
  | tflite, tflite_layer p =>
      tflite_reproduces n m kind p /\ tflite_meets f p /\
      forall q, tflite_reproduces n m kind q -> tflite_meets f q ->
                lex_le (tflite_preference p) (tflite_preference q)
  | _, _ => False
  end.

(** Changing the last entry of two vectors to the same value keeps their order. *)
Lemma lex_le_same_last (a1 a2 a3 a4 x b1 b2 b3 b4 y : Z) :
  lex_le [a1; a2; a3; a4; x] [b1; b2; b3; b4; y] -> lex_le [a1; a2; a3; a4; y] [b1; b2; b3; b4; y].
Proof. cbn. lia. Qed.

(** PyTorch, ceil_mode False and count_include_pad v (when v counts the padding, the axis is not
    on the n = -1 (mod m) branch alone). *)
Lemma pytorch_nd_witness (n m : Z) (kind : pool_kind) (v : option bool) :
  1 <= n -> 1 <= m -> fst (closed_form n m kind) <> none ->
  (kind = avg -> v = Some true -> fst (closed_form n m kind) <> remainder_minus) ->
  exists w, nd_axis_witness pytorch kind (mk_flags (Some false) v None) n m = Some w /\
            least_under pytorch kind (mk_flags (Some false) v None) n m w.
Proof.
  intros Hn Hm Hb Hv. apply closed_form_some in Hb as (b & w & H).
  unfold nd_axis_witness. rewrite H. cbn [sf_ceil_mode sf_count_include_pad].
  rewrite H in Hv. cbn [fst] in Hv.
  set (cip := match v with Some x => x | None => pt_count_include_pad w end).
  assert (Hd : pt_dilation w = 1 /\ pt_ceil_mode w = false).
  { destruct (closed_form_cases n m kind b w Hn Hm H) as
      [(_ & _ & _ & ->) | [(_ & _ & _ & _ & _ & ->) | (_ & _ & _ & _ & _ & ->)]]; auto. }
  destruct Hd as [Hd Hc0]. rewrite Hd.
  eexists; split; [reflexivity|]. cbn [least_under].
  assert (Hrep : pytorch_reproduces n m kind
                   (mk_pytorch (pt_kernel w) (pt_stride w) (pt_padding w) 1 false cip)).
  { apply (pytorch_branch_reproduces n m kind b w); auto.
    intros Ha Hc. destruct v as [x|]; cbn in cip.
    - subst cip x. now apply Hv.
    - destruct (closed_form_cases n m kind b w Hn Hm H) as
        [(-> & _) | [(-> & _) | (-> & _ & _ & _ & _ & Ew)]]; try discriminate.
      subst cip kind. rewrite Ew in Hc. discriminate. }
  split; [exact Hrep|]. split.
  - unfold pytorch_meets.
    cbn [sf_ceil_mode sf_count_include_pad sf_auto_pad pt_ceil_mode pt_count_include_pad].
    split; [intros y Hy; now injection Hy as <- |].
    split; [intros x Hx; unfold cip; rewrite Hx; reflexivity | apply opt_is_none].
  - intros q Hq [Mc [Mv _]].
    pose proof (pytorch_witness_least n m kind b w q Hn Hm H Hq) as Hle.
    assert (Mc' : pt_ceil_mode q = false) by (apply Mc; reflexivity). clear Mc.
    unfold pytorch_preference in *. cbn [pt_kernel pt_stride pt_padding pt_ceil_mode
                                         pt_dilation pt_count_include_pad] in *.
    rewrite Hc0, Mc' in *. rewrite Hd in Hle.
    destruct kind; [|exact Hle].
    destruct v as [x|]; cbn in cip.
    + pose proof (Mv x eq_refl) as Ex. rewrite Ex in Hle |- *. subst cip.
      eapply lex_le_same_last. exact Hle.
    + exact Hle.
Qed.

Lemma onnx_closed_form_some (n m : Z) (kind : pool_kind) :
  fst (onnx_closed_form n m kind) <> none ->
  exists b w, onnx_closed_form n m kind = (b, Some w).
Proof.
  unfold onnx_closed_form. intros H.
  destruct (closed_form_shape n m kind) as [Hs | (b0 & w0 & Hb0 & Hs)]; rewrite Hs in H |- *.
  - destruct (n =? 1); [eauto | now contradiction H].
  - destruct b0; try (now contradiction Hb0); eauto.
Qed.

Definition onnx_nd_flags : shared_flags := mk_flags (Some false) (Some false) (Some notset).

(** ONNX, NOTSET without ceil_mode or counting the padding (the tool's first choice). *)
Lemma onnx_nd_witness (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m -> fst (onnx_closed_form n m kind) <> none ->
  exists w, nd_axis_witness onnx kind onnx_nd_flags n m = Some w /\
            least_under onnx kind onnx_nd_flags n m w.
Proof.
  intros Hn Hm Hb. apply onnx_closed_form_some in Hb as (b & w & H).
  unfold nd_axis_witness. rewrite H. eexists; split; [reflexivity|]. cbn [least_under].
  assert (Hmeets : forall p, ox_auto_pad p = notset -> ox_ceil_mode p = false ->
                             ox_count_include_pad p = false -> onnx_meets onnx_nd_flags p).
  { intros p Ha Hc Hv. unfold onnx_meets, onnx_nd_flags.
    cbn [sf_ceil_mode sf_count_include_pad sf_auto_pad].
    split; [|split]; intros y Hy; injection Hy as <-; auto. }
  assert (Hq : forall q, onnx_meets onnx_nd_flags q ->
                         ox_auto_pad q = notset /\ ox_ceil_mode q = false).
  { intros q [Mc [_ Ma]]. split; [apply Ma | apply Mc]; reflexivity. }
  destruct (ox_ceil_mode w) eqn:Hc.
  2:{ pose proof (onnx_witness_reproduces n m kind b w Hn Hm H) as Hrep.
      split; [exact Hrep|]. split.
      - destruct (onnx_closed_form_cases n m kind b w Hn Hm H) as
          [(_ & _ & _ & ->) | [(_ & _ & _ & _ & ->) | [(_ & _ & _ & _ & _ & ->) |
                                                       (_ & _ & _ & ->)]]];
          apply Hmeets; auto.
      - intros q Hrq _. exact (onnx_witness_least n m kind b w q Hn Hm H Hrq). }
  (* pads (1, 0) with ceil_mode: n = Q*m - 1 with Q >= 2, m >= 3; without ceil_mode, (1, 1) *)
  destruct (onnx_closed_form_cases n m kind b w Hn Hm H) as
    [(_ & _ & _ & ->) | [(_ & _ & _ & _ & ->) | [(-> & Hno & Hno1 & Hm2 & En & ->) |
                                                 (_ & _ & _ & ->)]]];
    unfold ox_layer in Hc; cbn in Hc; try discriminate.
  unfold ox_layer; ox_simpl.
  destruct (Z.eqb_spec (n / m + 1) 1) as [Hq1 | Hq1]; [discriminate|]. clear Hc.
  assert (0 <= n / m) by (apply Z.div_pos; lia).
  assert (Hm3 : 3 <= m).
  { destruct (Z.eq_dec m 2) as [Em | ]; [|lia]. exfalso. rewrite Em in Hno, Hno1.
    pose proof (Z.mod_pos_bound n 2 ltac:(lia)). apply Hno1. split; [nia | lia]. }
  set (q := n / m) in *. clearbody q.
  assert (Hrep : onnx_reproduces n m kind (mk_onnx (q + 2) (q + 1) 1 1 1 notset false false)).
  { apply onnx_layer_reproduces; try lia; try nia; try discriminate.
    rewrite En. replace (q + 2) with (q + 1 + 1) by lia. apply fits_remainder_minus; lia. }
  split; [exact Hrep|]. split; [apply Hmeets; reflexivity|].
  intros p [Hv Hr] Hmp. destruct (Hq p Hmp) as [Ha Hcp].
  rewrite !onnx_notset_preference by auto. rewrite Hcp.
  pose proof (onnx_notset_fields n kind p Ha) as (Fk & Fs & Fd & Fb & Fe & Fp & Fc).
  destruct Hv as (Hk & Hs & Hd & Havg & Hpads). rewrite Ha in Hpads.
  set (g := onnx_geometry n p kind) in *.
  pose proof Hr as [Hcount _]. rewrite Fc, Hcp in Hcount.
  pose proof (least_remainder_minus n m g kind Hn Hm ltac:(lia) ltac:(lia) ltac:(lia) Hr (q + 1)
                ltac:(lia) Hm3 En) as [L1 L2].
  assert (Hd1 : g_dilation g = 1).
  { apply (long_window_undilated n m g kind 1); auto; try lia.
    rewrite En, (start_remainder_minus (q + 1) m 1), (end_remainder_minus (q + 1) m 1); lia. }
  (* with (k, s, pads) = (Q+1, Q, (1, 0)) and no ceil_mode there are m - 1 outputs *)
  assert (Hpe : g_kernel g = q + 2 -> 1 <= ox_pad_end p).
  { intros Hk2. destruct (L2 ltac:(lia)) as [Es Eb].
    destruct (Z.eq_dec (ox_pad_end p) 0) as [He0 | ]; [|lia]. exfalso.
    rewrite <- Fk, <- Fs, <- Fd, <- Fb, He0 in Hcount.
    rewrite (count_floor_short _ _ _ _ _ _ m 1) in Hcount; try lia.
    all: rewrite Hk2, Es, Eb, Hd1; nia. }
  destruct kind, (ox_count_include_pad p); cbn; lia.
Qed.

Definition tflite_valid_flags : shared_flags := mk_flags (Some false) (Some false) (Some valid).
Definition tflite_same_flags : shared_flags :=
  mk_flags (Some false) (Some false) (Some same_upper).

Lemma tflite_meets_padding (f : shared_flags) (a : onnx_auto_pad) (p : tflite_params) :
  f = mk_flags (Some false) (Some false) (Some a) ->
  tflite_meets f p <-> a = match tf_padding p with tf_same => same_upper | tf_valid => valid end.
Proof.
  intros ->. unfold tflite_meets. cbn [sf_ceil_mode sf_count_include_pad sf_auto_pad].
  split; [intros (_ & _ & Ha); symmetry; now apply Ha|].
  intros Ha. split; [|split]; intros y Hy; injection Hy as <-; auto.
Qed.

(** TFLite VALID (every axis n mod m in {0, 1}): the closed form's witness. *)
Lemma tflite_nd_witness_valid (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m -> tflite_valid_axis n m = true ->
  exists w, nd_axis_witness tflite kind tflite_valid_flags n m = Some w /\
            least_under tflite kind tflite_valid_flags n m w.
Proof.
  intros Hn Hm Hax.
  assert (Hex : exists p, tflite_reproduces n m kind p /\ tf_padding p = tf_valid).
  { apply tflite_valid_exists_iff; auto. unfold tflite_valid_axis in Hax.
    rewrite andb_true_iff, orb_true_iff, Z.leb_le, !Z.eqb_eq in Hax. tauto. }
  assert (Hb : fst (tflite_closed_form n m kind) <> none).
  { destruct Hex as (p & Hp & _). apply tflite_exists_iff; eauto. }
  destruct (tflite_closed_form_some n m kind Hb) as (b & w & H).
  unfold nd_axis_witness, tflite_valid_flags. cbn [sf_auto_pad]. rewrite H.
  eexists; split; [reflexivity|]. cbn [least_under].
  assert (Hw : tf_padding w = tf_valid).
  { destruct (tflite_closed_form_cases n m kind b w Hn Hm H) as
      (_ & [(_ & _ & _ & ->) | [(_ & _ & _ & _ & ->) | (_ & Hm3 & En & _ & ->)]]); auto.
    exfalso. unfold tflite_valid_axis in Hax.
    rewrite andb_true_iff, orb_true_iff, !Z.eqb_eq in Hax.
    pose proof (Z.div_mod n m ltac:(lia)). pose proof (Z.mod_pos_bound n m ltac:(lia)). nia. }
  split; [now apply (tflite_witness_reproduces n m kind b)|].
  split; [rewrite (tflite_meets_padding _ valid w eq_refl), Hw; reflexivity|].
  intros q Hq _. exact (tflite_witness_least n m kind b w q Hn Hm H Hq).
Qed.

(** TFLite SAME (every axis n mod m in {0, m - 1}): kernel = stride = n/m for m | n, else
    kernel Q + 1, stride Q = (n+1)/m. SAME needs ceil(n/s) = m outputs, so s >= n/m. *)
Lemma tflite_nd_witness_same (n m : Z) (kind : pool_kind) :
  1 <= n -> 1 <= m -> tflite_same_axis n m = true ->
  exists w, nd_axis_witness tflite kind tflite_same_flags n m = Some w /\
            least_under tflite kind tflite_same_flags n m w.
Proof.
  intros Hn Hm Hax. unfold tflite_same_axis in Hax.
  rewrite andb_true_iff, orb_true_iff, Z.leb_le, !Z.eqb_eq in Hax. destruct Hax as [Hmn Hr].
  pose proof (Z.div_mod n m ltac:(lia)) as En. pose proof (Z.mod_pos_bound n m ltac:(lia)).
  unfold nd_axis_witness, tflite_same_flags. cbn [sf_auto_pad].
  eexists; split; [reflexivity|]. cbn [least_under].
  (* what every SAME layer that reproduces n -> m satisfies *)
  assert (Hsame : forall p, tflite_reproduces n m kind p -> tf_padding p = tf_same ->
             m * tf_stride p >= n /\
             fits n m (tf_kernel p) (tf_stride p) (g_pad_begin (tflite_geometry n p))).
  { intros [k s pad] [Hv Hrp] Hpad. cbn in Hpad. subst pad. destruct Hv as [Hk Hs]. cbn in Hk, Hs.
    pose proof (tflite_fields n (mk_tflite k s tf_same)) as (Fk & Fs & Fd & _).
    destruct (tflite_same_fields n k s) as (Hc & _). cbn zeta in Hc.
    pose proof Hrp as [Hcount _]. rewrite Hc in Hcount.
    pose proof (ceil_bounds n s ltac:(lia)). rewrite Hcount in *.
    cbn [tf_kernel tf_stride tf_padding] in *. split; [nia|].
    pose proof (reproduces_fits n m (tflite_geometry n (mk_tflite k s tf_same)) kind Hn Hm
                  ltac:(lia) ltac:(lia) ltac:(lia) Hrp) as HF.
    rewrite Fk, Fs in HF. exact HF. }
  destruct (Z.eqb_spec (n mod m) 0) as [H0 | H0].
  - (* m | n *)
    rewrite H0, Z.add_0_r in En. set (q := n / m) in *.
    assert (Hq : 1 <= q) by nia. clearbody q.
    split; [rewrite En, Z.mul_comm; apply tflite_same_divisible; lia|].
    split; [rewrite (tflite_meets_padding _ same_upper _ eq_refl); reflexivity|].
    intros p Hp Hmp. rewrite (tflite_meets_padding _ same_upper _ eq_refl) in Hmp.
    assert (Hpad : tf_padding p = tf_same) by (destruct (tf_padding p); congruence).
    destruct (Hsame p Hp Hpad) as [Hsn _].
    destruct Hp as [Hv Hrp]. pose proof (tflite_fields n p) as (Fk & Fs & Fd & _).
    destruct Hv as [Hk Hs].
    pose proof (least_divisible n m (tflite_geometry n p) kind Hn Hm ltac:(lia) ltac:(lia)
                  ltac:(lia) Hrp q Hq ltac:(lia)) as [L1 L2].
    unfold tflite_preference. rewrite Hpad. cbn [tf_kernel tf_stride tf_padding lex_le].
    destruct (Z.eq_dec m 1); [subst m; nia | lia].
  - (* n = Q*m - 1, Q = n/m + 1 >= 2 *)
    destruct Hr as [Hr | Hr]; [contradiction|]. rewrite Hr in En.
    set (q := n / m) in *. assert (Hq : 1 <= q) by nia. clearbody q.
    assert (Hm2 : 2 <= m) by (destruct (Z.eq_dec m 1); [subst; rewrite Z.mod_1_r in *; lia | lia]).
    assert (En' : n = (q + 1) * m - 1) by lia.
    split.
    { rewrite En'. replace (q + 2) with (q + 1 + 1) by lia.
      apply tflite_same_remainder_minus; lia. }
    split; [rewrite (tflite_meets_padding _ same_upper _ eq_refl); reflexivity|].
    intros p Hp Hmp. rewrite (tflite_meets_padding _ same_upper _ eq_refl) in Hmp.
    assert (Hpad : tf_padding p = tf_same) by (destruct (tf_padding p); congruence).
    destruct (Hsame p Hp Hpad) as [Hsn Hfit].
    destruct Hp as [Hv Hrp]. pose proof (tflite_fields n p) as (Fk & Fs & Fd & _).
    destruct Hv as [Hk Hs].
    unfold tflite_preference. rewrite Hpad. cbn [tf_kernel tf_stride tf_padding lex_le].
    destruct (Z.le_gt_cases 3 m) as [Hm3 | Hm3].
    + pose proof (least_remainder_minus n m (tflite_geometry n p) kind Hn Hm ltac:(lia)
                    ltac:(lia) ltac:(lia) Hrp (q + 1) ltac:(lia) Hm3 En') as [L1 L2].
      lia.
    + (* m = 2, n = 2Q - 1: windows [0, Q) and [Q-1, 2Q-1); kernel Q would need no left pad
         for window 0 and one for window 1 *)
      assert (Em : m = 2) by lia. subst m.
      destruct (Hfit 0 ltac:(lia)) as [_ B0]. destruct (Hfit 1 ltac:(lia)) as [A1 _].
      rewrite (end_index_eq 0 n 2 (q + 1)) in B0 by lia.
      rewrite (start_index_eq 1 n 2 q) in A1 by lia.
      pose proof (window_length_le_kernel n 2 (tflite_geometry n p) kind 0 Hn Hm ltac:(lia)
                    ltac:(lia) ltac:(lia) Hrp) as L1.
      rewrite (end_index_eq 0 n 2 (q + 1)), (start_index_eq 0 n 2 0) in L1 by lia.
      rewrite Fk in L1. nia.
Qed.

(** THE N-D WITNESSES: when the tool's N-D answer is equivalent with shared flags f, every axis's
    nd_axis_witness reproduces it, meets f, and is the least layer of the family that does. *)
Theorem nd_witnesses_least (family : pool_family) (kind : pool_kind) (axes : list (Z * Z))
  (f : shared_flags) :
  valid_axes axes -> nd_closed_form family kind axes = nd_equivalent (Some f) ->
  Forall (fun a => exists w, nd_axis_witness family kind f (fst a) (snd a) = Some w /\
                             least_under family kind f (fst a) (snd a) w) axes.
Proof.
  intros Hv H. unfold nd_closed_form in H.
  set (E := forallb _ axes) in H.
  destruct E eqn:HE; cbn [negb] in H; [|discriminate].
  destruct (Nat.eqb (length axes) 1); [discriminate|].
  unfold E in HE. rewrite forallb_forall in HE.
  unfold valid_axes in Hv. rewrite Forall_forall in Hv |- *.
  intros [n m] Ha. specialize (HE (n, m) Ha). specialize (Hv (n, m) Ha).
  cbn [fst snd] in *. destruct Hv as [Hn Hm].
  rewrite branch_not_none in HE.
  destruct (family_branch_eq n m kind) as (E1 & E2 & E3).
  destruct family.
  - rewrite E1 in HE. destruct kind; injection H as <-.
    + set (U := forallb _ axes).
      destruct U eqn:HU.
      * apply pytorch_nd_witness; auto. intros _ _.
        unfold U in HU. rewrite forallb_forall in HU. specialize (HU (n, m) Ha). cbn in HU.
        rewrite E1 in HU. apply pytorch_branch_unpadded in HU. tauto.
      * apply pytorch_nd_witness; auto. intros _ Hs. discriminate.
    + apply pytorch_nd_witness; auto. intros Hk. discriminate.
  - injection H as <-. rewrite E2 in HE. now apply onnx_nd_witness.
  - destruct (forallb (fun a => tflite_valid_axis (fst a) (snd a)) axes) eqn:Hva;
      [|destruct (forallb (fun a => tflite_same_axis (fst a) (snd a)) axes) eqn:Hsa];
      try discriminate; injection H as <-.
    + rewrite forallb_forall in Hva. apply tflite_nd_witness_valid; auto.
      exact (Hva (n, m) Ha).
    + rewrite forallb_forall in Hsa. apply tflite_nd_witness_same; auto.
      exact (Hsa (n, m) Ha).
Qed.

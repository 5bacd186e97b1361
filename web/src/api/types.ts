// TypeScript mirror of the graph document (src/torchcanvas/graph/model.py), the catalog specs
// (catalog/spec.py) and the check result (shapes/result.py). Only structure lives here: which
// layers exist and what they take comes from the catalog JSON at run time.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Dim = number | string;
export type Shape = Dim[];
export type Params = Record<string, Json>;

export interface PortRef {
  node: string;
  port: string;
}
export interface Position {
  x: number;
  y: number;
}
interface NodeBase {
  id: string;
  name?: string | null;
  position: Position;
}
export interface InputNode extends NodeBase {
  kind: "input";
  shape: Shape;
  dtype?: string;
}
export interface OutputNode extends NodeBase {
  kind: "output";
}
export interface LayerNode extends NodeBase {
  kind: "layer";
  type: string;
  params: Params;
}
export interface ModuleNode extends NodeBase {
  kind: "module";
  module: string;
}
export type GraphNode = InputNode | OutputNode | LayerNode | ModuleNode;

export interface Edge {
  id?: string | null;
  source: PortRef;
  target: PortRef;
}
export interface Body {
  nodes: GraphNode[];
  edges: Edge[];
}
export interface ModuleDef extends Body {
  name: string;
  description?: string;
}
export interface Choice {
  type: string;
  params: Params;
}
export interface TrainingConfig {
  dataset: Choice;
  train_transforms: Choice[];
  test_transforms: Choice[];
  loss: Choice;
  optimizer: Choice;
  scheduler: Choice | null;
  epochs: number;
  batch_size: number;
  lr: number;
  seed: number;
  device: "auto" | "cpu" | "cuda";
  init: "default" | "initialize_weights";
  /** Top-level nodes whose weights do not train (requires_grad_(False) in train.py). */
  freeze?: string[];
}
export interface Graph extends Body {
  schema_version: 1;
  name: string;
  description: string;
  modules: ModuleDef[];
  training: TrainingConfig;
}

/** GET /api/v1/defaults: an empty document with the server's defaults. */
export interface Defaults {
  graph: Graph;
  /** The document a new model starts from: an input, an output, a dataset and loss that fit them. */
  new_graph: Graph;
  /** The values of each TrainingConfig field that is one of a fixed few (device, init). */
  training_choices: Record<string, string[]>;
  training_labels: Record<string, string>;
  training_groups: Record<string, string>;
}

// --- catalog -------------------------------------------------------------------------------
export type ParamType = "int" | "float" | "bool" | "str" | "enum" | "ints" | "floats" | "int_list" | "float_list";
export interface InferRule {
  port: string;
  dim: number;
  as_list: boolean;
}
export interface ParamSpec {
  name: string;
  type: ParamType;
  default: Json;
  required: boolean;
  nullable: boolean;
  choices: string[] | null;
  minimum: number | null;
  maximum: number | null;
  length: number | null;
  doc: string;
  infer: InferRule | null;
  example: Json;
  keyword_only?: boolean;
}
export interface PortSpec {
  name: string;
  doc: string;
  optional: boolean;
  when: [string, Json] | null;
}
export interface Spec {
  type: string;
  title: string;
  category: string;
  doc: string;
  torch: string;
  params: ParamSpec[];
}
/** A dataset: what its samples and targets look like (the check compares them with the model). */
export interface DatasetSpec extends Spec {
  sample_shape?: number[];
  target_shape?: number[];
  num_classes?: number | null;
  /** What each class index means, in order, where known before the data is there. */
  class_names?: string[] | null;
  task?: "classification" | "regression" | "segmentation";
  offline?: boolean;
  /** What its first run downloads, in MB, when it is not offline. */
  download_mb?: number | null;
  /** Accepts torchvision.transforms.v2 image transforms. */
  is_image?: boolean;
  /** pip requirements of its generated code, beyond torch and torchvision. */
  requirements?: string[];
}
/** A learning-rate scheduler, and when train.py steps it ("plateau": each epoch, with the test loss). */
export interface SchedulerSpec extends Spec {
  step: "epoch" | "batch" | "plateau";
}
/** A loss: the task it is for (the check warns when the dataset's task differs) and how train.py feeds it. */
export interface LossSpec extends Spec {
  task: "classification" | "regression" | "segmentation" | "any";
  output: "raw" | "log_softmax" | "sigmoid" | "gaussian";
  target: "index" | "one_hot" | "sign" | "label_list";
  /** It also trains segmentation: (B, C, H, W) scores against (B, H, W) class masks. */
  pixelwise?: boolean;
}
export interface LayerSpec extends Spec {
  inputs: PortSpec[];
  outputs: PortSpec[];
  variadic_inputs: string | null;
  variadic_outputs: string | null;
  key_params: string[];
  example_inputs: Record<string, Shape>;
  is_op: boolean;
}
export interface Catalog {
  layers: Record<string, LayerSpec>;
  losses: Record<string, LossSpec>;
  optimizers: Record<string, Spec>;
  schedulers: Record<string, SchedulerSpec>;
  datasets: Record<string, DatasetSpec>;
  transforms: Record<string, Spec>;
}
export type ChoiceKind = Exclude<keyof Catalog, "layers">;

// --- check ---------------------------------------------------------------------------------
export interface Issue {
  message: string;
  node?: string | null;
  param?: string | null;
  fix?: string | null;
  module?: string | null;
  /** "error" (the model cannot be built) or "warning" (the training config does not fit it). */
  severity?: "error" | "warning" | string;
}
export interface NodeResult {
  id: string;
  /** The node's name in model.py (self.<attr> for a layer or module, the forward argument for an input). */
  attr?: string;
  inputs: Record<string, Shape>;
  outputs: Record<string, Shape>;
  params: number;
  flops: number;
  inferred: Params;
  errors: Issue[];
}
export interface CheckResult {
  ok: boolean;
  nodes: Record<string, NodeResult>;
  modules: Record<string, Record<string, NodeResult>>;
  issues: Issue[];
  total_params: number;
  total_flops: number;
  /** Of total_params: the weights of the nodes in training.freeze. */
  frozen_params?: number;
}

// --- models / templates --------------------------------------------------------------------
export type Visibility = "private" | "unlisted" | "public";
/** Where a fork came from: "forked from alice/LeNet_bn v3". */
export interface ForkSource {
  model_id: string;
  owner: string | null;
  name: string;
  version: number;
}
export interface SavedModelSummary {
  id: string | number;
  name: string;
  description?: string;
  thumbnail?: string | null;
  updated_at?: string;
  created_at?: string;
  version?: number;
  // Accounts (issue 8); optional so that an older server's answer still reads.
  visibility?: Visibility;
  owner?: string | null;
  forked_from?: ForkSource | null;
  star_count?: number;
  fork_count?: number;
  can_edit?: boolean;
}
export interface SavedModel extends SavedModelSummary {
  graph: Graph;
}
export interface ModelVersion {
  number: number;
  name: string;
  note?: string;
  created_at?: string;
}
export interface Template {
  name: string;
  title: string;
  description: string;
  graph: Graph;
}
/** A torchvision classification model the server can import (GET /import/torchvision). */
export interface ZooModel {
  name: string;
  source: string; // "torchvision:NAME"
  input_shape: number[];
}
/** POST /import: the document, with its params and FLOPs per sample. */
export interface Imported {
  graph: Graph;
  params: number;
  flops: number;
  issues: Issue[];
}
export interface AugmentPair {
  before: string;
  after: string;
}

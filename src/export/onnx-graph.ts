/**
 * A small builder of ONNX graphs (opset 17, IR version 8): named float and int64 constants become
 * initializers, each `node` call adds one operator and returns the name of its output, `encode` writes
 * the model as protobuf bytes (the `onnx-proto` definitions).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The operator set the graphs are written for (ONNX Runtime 1.14+, Triton's ONNX backend, ORT Web). */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

export type AttrValue = number | string | number[];

/** One dimension of a graph input or output: a fixed size or a named symbolic one (e.g. `batch`). */
export type Dim = number | string;

/**
 * A TensorFlow.js filter [kh, kw, ci, co] (NHWC convolutions) as ONNX's [co, ci, kh, kw]; a depthwise filter
 * [kh, kw, C, 1] is passed as [kh, kw, 1, C] and becomes [C, 1, kh, kw].
 */
export function toOihw(data: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          out[((o * ci + i) * kh + h) * kw + w] = data[((h * kw + w) * ci + i) * co + o];
  return out;
}

export class OnnxGraph {
  private readonly nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  private readonly initializers: ReturnType<typeof onnx.TensorProto.create>[] = [];
  private readonly inputs: ReturnType<typeof onnx.ValueInfoProto.create>[] = [];
  private readonly outputs: ReturnType<typeof onnx.ValueInfoProto.create>[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh value name starting with `hint`. */
  name(hint: string): string {
    let n = hint;
    while (this.used.has(n)) n = `${hint}_${this.counter++}`;
    this.used.add(n);
    return n;
  }

  input(name: string, dims: Dim[], doc = ''): string {
    this.inputs.push(valueInfo(this.name(name), dims, doc));
    return name;
  }

  /** Marks `value` as a graph output under `name` (through an Identity when the names differ). */
  output(value: string, name: string, dims: Dim[], doc = ''): void {
    const out = value === name ? value : this.node('Identity', [value], {}, name);
    this.outputs.push(valueInfo(out, dims, doc));
  }

  /** A float32 constant of shape `dims`. */
  float(hint: string, values: ArrayLike<number>, dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size)
      throw new Error(`constant ${hint}: ${values.length} values for shape [${dims.join(', ')}]`);
    const name = this.name(hint);
    const data = Float32Array.from(values);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer),
      }),
    );
    return name;
  }

  /** An int64 vector constant (shapes, axes, sizes). */
  int64(hint: string, values: number[]): string {
    const name = this.name(hint);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        rawData: new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer),
      }),
    );
    return name;
  }

  /** Adds one operator; returns the name of its (first) output. An empty input name skips an optional input. */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    const output = this.name(out ?? op.toLowerCase());
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        input: inputs,
        output: [output],
        name: output,
        attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
      }),
    );
    return output;
  }

  /** The model as ONNX protobuf bytes; `metadata` becomes the model's metadata_props. */
  encode(graphName: string, metadata: Record<string, string> = {}, doc = ''): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'ranfer',
      docString: doc,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: onnx.GraphProto.create({
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dims: Dim[], doc: string) {
  return onnx.ValueInfoProto.create({
    name,
    docString: doc,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (Number.isInteger(v)) return { name, type: T.INT, i: v };
  return { name, type: T.FLOAT, f: v };
}

/// The Python side of the peer benchmarks (run by ``PeerSession`` in the pinned environment of
/// `scripts/python-env.sh`): PyTorch twins of our models with the reference's state-dict keys —
/// torchvision's MobileNetV2 and MNASNet, ESPNetv2 (EdgeNets' `EESPNet` with input reinforcement),
/// EfficientNet-Lite0 (`efficientnet-lite-pytorch` 0.1.0, static SAME padding) and HATNet's attention
/// network (`MIModel` of the authors' model/mi_model_e2e.py) — exported to ONNX for ONNX Runtime and
/// OpenVINO, timed one pass per request. The twins are checked against the reference fixtures in
/// `Tests/BenchmarksTests/PeerTwinTests.swift`.
///
/// Adding a model: a twin class and a branch in `make_encoder` (or a new `kind` in `Runner.load`),
/// and a ``PeerModel`` that names it.
enum PeerScript {
    static let source = #"""
# hatnet peer runner: PyTorch twins of hatnet's models, timed in PyTorch eager, ONNX Runtime and
# OpenVINO on request. Protocol: one JSON object a line on stdin, one JSON reply a line on stdout.
#   {"op": "load", "model": {...}, "threads": n, "peers": [...], "directory": d}  -> {"peers": [...]}
#   {"op": "time", "peer": name}      -> {"seconds": s}   (one pass, timed here)
#   {"op": "outputs", "path": p}      -> {"names": [...]} (each peer's output written to p)
#   {"op": "quit"}
# Errors reply {"error": message}. Everything else this process prints goes to stderr.
import collections, json, math, os, sys, time, warnings
protocol_out = sys.stdout
sys.stdout = sys.stderr
warnings.filterwarnings("ignore")
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file


# ---------------------------------------------------------------- ESPNetv2 (EdgeNets EESPNet)
ESPNET_CHANNELS = {0.5: [16, 32, 64, 128, 256, 1024], 1.0: [32, 64, 128, 256, 512, 1024],
                   1.25: [32, 80, 160, 320, 640, 1024], 1.5: [32, 96, 192, 384, 768, 1024],
                   2.0: [32, 128, 256, 512, 1024, 1280]}
ESPNET_LIMITS = [13, 11, 9, 7, 5]
ESPNET_REPEATS = [0, 3, 7, 3]


class CBR(nn.Module):
    """Convolution (no bias), BatchNorm, optional PReLU, with the keys conv / bn / act."""
    def __init__(self, cin, cout, k, stride=1, groups=1, act=True, dilation=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, (k - 1) // 2 * dilation, dilation=dilation, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.PReLU(cout) if act else None

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.act(x) if self.act is not None else x


class Dilated(nn.Module):
    def __init__(self, channels, stride, dilation):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride, dilation, dilation=dilation, groups=channels, bias=False)

    def forward(self, x):
        return self.conv(x)


class BR(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)
        self.act = nn.PReLU(channels)

    def forward(self, x):
        return self.act(self.bn(x))


class EESP(nn.Module):
    def __init__(self, cin, cout, stride, limit, down_sampling=False, k=4):
        super().__init__()
        n = cout // k
        self.proj_1x1 = CBR(cin, n, 1, groups=k)
        sizes = sorted(3 + 2 * i if 3 + 2 * i <= limit else 3 for i in range(k))
        self.spp_dw = nn.ModuleList(Dilated(n, stride, (size - 1) // 2) for size in sizes)
        self.conv_1x1_exp = CBR(cout, cout, 1, groups=k, act=False)
        self.br_after_cat = BR(cout)
        self.module_act = nn.PReLU(cout)
        self.down_sampling = down_sampling

    def forward(self, x):
        reduced = self.proj_1x1(x)
        branches = [self.spp_dw[0](reduced)]
        for branch in self.spp_dw[1:]:
            branches.append(branch(reduced) + branches[-1])
        expanded = self.conv_1x1_exp(self.br_after_cat(torch.cat(branches, 1)))
        if self.down_sampling:
            return expanded
        if expanded.shape == x.shape:
            expanded = expanded + x
        return self.module_act(expanded)


class DownSampler(nn.Module):
    def __init__(self, cin, cout, limit):
        super().__init__()
        self.eesp = EESP(cin, cout - cin, 2, limit, down_sampling=True)
        self.inp_reinf = nn.Sequential(CBR(3, 3, 3), CBR(3, cout, 1, act=False))
        self.act = nn.PReLU(cout)

    def forward(self, x, image=None):
        output = torch.cat([F.avg_pool2d(x, 3, 2, 1), self.eesp(x)], 1)
        if image is not None:
            output = output + self.inp_reinf(image)
        return self.act(output)


class ESPNetv2(nn.Module):
    """EESPNet with input reinforcement; features = mean of level 5 over H and W."""
    def __init__(self, s):
        super().__init__()
        c = ESPNET_CHANNELS[s]
        self.level1 = CBR(3, c[0], 3, 2)
        self.level2_0 = DownSampler(c[0], c[1], ESPNET_LIMITS[0])
        self.level3_0 = DownSampler(c[1], c[2], ESPNET_LIMITS[1])
        self.level3 = nn.ModuleList(EESP(c[2], c[2], 1, ESPNET_LIMITS[2]) for _ in range(ESPNET_REPEATS[1]))
        self.level4_0 = DownSampler(c[2], c[3], ESPNET_LIMITS[2])
        self.level4 = nn.ModuleList(EESP(c[3], c[3], 1, ESPNET_LIMITS[3]) for _ in range(ESPNET_REPEATS[2]))
        self.level5_0 = DownSampler(c[3], c[4], ESPNET_LIMITS[3])
        self.level5 = nn.ModuleList([EESP(c[4], c[4], 1, ESPNET_LIMITS[4]) for _ in range(ESPNET_REPEATS[3])]
                                    + [CBR(c[4], c[4], 3, groups=c[4]), CBR(c[4], c[5], 1, groups=4)])
        self.classifier = nn.Linear(c[5], 1000)

    def forward(self, image):
        x = self.level1(image)
        # The reference pools the full image until it matches each level; pooling is deterministic,
        # so the twin pools step by step.
        pooled = image
        for down, blocks in ((self.level2_0, []), (self.level3_0, self.level3), (self.level4_0, self.level4)):
            target = (x.shape[2] - 1) // 2 + 1
            while True:
                pooled = F.avg_pool2d(pooled, 3, 2, 1)
                if pooled.shape[2] == target:
                    break
            x = down(x, pooled)
            for block in blocks:
                x = block(x)
        x = self.level5_0(x)
        for block in self.level5:
            x = block(x)
        return x.mean((2, 3))


# ---------------------------------------------------------------- EfficientNet-Lite0 (efficientnet-lite-pytorch 0.1.0)
LITE0_STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
                (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


class SameConv(nn.Conv2d):
    """`Conv2dStaticSamePadding`: TensorFlow SAME padding computed once for `image_size`."""
    def __init__(self, cin, cout, k, stride, groups, image_size):
        super().__init__(cin, cout, k, stride, 0, groups=groups, bias=False)
        out = (image_size + stride - 1) // stride
        total = max((out - 1) * stride + k - image_size, 0)
        self.pads = (total // 2, total - total // 2, total // 2, total - total // 2)

    def forward(self, x):
        return super().forward(F.pad(x, self.pads) if any(self.pads) else x)


class LiteBlock(nn.Module):
    def __init__(self, cin, cout, k, stride, expansion, image_size):
        super().__init__()
        middle = cin * expansion
        if expansion != 1:
            self._expand_conv = SameConv(cin, middle, 1, 1, 1, image_size)
            self._bn0 = nn.BatchNorm2d(middle, eps=1e-3)
        self.expansion = expansion
        self._depthwise_conv = SameConv(middle, middle, k, stride, middle, image_size)
        self._bn1 = nn.BatchNorm2d(middle, eps=1e-3)
        self._project_conv = SameConv(middle, cout, 1, 1, 1, image_size)
        self._bn2 = nn.BatchNorm2d(cout, eps=1e-3)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expansion != 1 else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.residual else y


class EfficientNetLite0(nn.Module):
    def __init__(self):
        super().__init__()
        size = 224
        self._conv_stem = SameConv(3, 32, 3, 2, 1, size)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        size = (size + 1) // 2
        blocks = []
        for repeats, k, stride, expansion, cin, cout in LITE0_STAGES:
            for index in range(repeats):
                s = stride if index == 0 else 1
                blocks.append(LiteBlock(cin if index == 0 else cout, cout, k, s, expansion, size))
                size = (size + s - 1) // s
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv(320, 1280, 1, 1, 1, size)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)
        self._fc = nn.Linear(1280, 1000)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return F.relu6(self._bn1(self._conv_head(x))).mean((2, 3))


# ---------------------------------------------------------------- torchvision encoders
class TorchvisionFeatures(nn.Module):
    """torchvision's MobileNetV2 (`features`) or MNASNet (`layers`), mean over H and W; the state dict
    keeps torchvision's keys."""
    def __init__(self, architecture, scale):
        super().__init__()
        import torchvision
        if architecture == "mobilenetv2":
            net = torchvision.models.MobileNetV2(width_mult=scale)
            self.trunk = net.features
        else:
            net = torchvision.models.MNASNet(alpha=scale)
            self.trunk = net.layers
        self.net = net

    def state_dict_of_reference(self):
        return self.net.state_dict()

    def forward(self, x):
        return self.trunk(x).mean((2, 3))


def make_encoder(architecture, scale):
    if architecture == "espnetv2":
        return ESPNetv2(scale)
    if architecture == "efficientnet-lite0":
        return EfficientNetLite0()
    if architecture in ("mobilenetv2", "mnasnet"):
        return TorchvisionFeatures(architecture, scale)
    raise ValueError(f"no PyTorch twin for encoder {architecture}")


def reference_state_dict(model):
    if hasattr(model, "state_dict_of_reference"):
        return model.state_dict_of_reference()
    return model.state_dict()


def load_reference_state_dict(model, tensors, encoder=True):
    """Loads a state dict with the reference's keys; an encoder's classifier (any class count) is not
    part of its features and is skipped."""
    target = model.net if hasattr(model, "state_dict_of_reference") else model
    classifier = ("classifier.", "_fc.") if encoder else ()
    tensors = collections.OrderedDict((k, v) for k, v in tensors.items() if not k.startswith(classifier))
    # safetensors keep no module versions; torchvision's MNASNet refuses a state dict without its own
    tensors._metadata = {"": {"version": getattr(type(target), "_version", 1)}}
    missing, unexpected = target.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked") and not k.startswith(classifier)]
    if missing or unexpected:
        raise ValueError(f"state dict mismatch: missing {missing[:5]}, unexpected {unexpected[:5]}")


def randomize_encoder(model, seed):
    """Seeded weights with the spread of trained ones: He-initialised convolutions, BatchNorm scales
    near 1 and running statistics that are not the identity, so every layer changes the output."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * math.sqrt(2.0 / fan_in))
            elif isinstance(module, nn.BatchNorm2d):
                c = module.num_features
                module.weight.copy_(1 + 0.1 * torch.randn(c, generator=generator))
                module.bias.copy_(0.1 * torch.randn(c, generator=generator))
                module.running_mean.copy_(0.1 * torch.randn(c, generator=generator))
                module.running_var.copy_(1 + 0.2 * torch.rand(c, generator=generator))
            elif isinstance(module, nn.Linear):
                module.weight.copy_(0.01 * torch.randn(module.weight.shape, generator=generator))
                module.bias.zero_()


# ---------------------------------------------------------------- HATNet attention network (MIModel)
class MultiHeadAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.linear_keys = nn.Linear(d, d)
        self.linear_values = nn.Linear(d, d)
        self.linear_query = nn.Linear(d, d)
        self.final_linear = nn.Linear(d, d)
        self.dropout = nn.Dropout(0.1)

    def forward(self, key, value, query):
        """[B, T, d] each; returns the output [B, Tq, d] and the head-mean of the scaled scores."""
        b = key.shape[0]
        split = lambda t: t.view(b, -1, self.heads, self.head_dim).transpose(1, 2)
        k = split(self.linear_keys(key))
        v = split(self.linear_values(value))
        q = split(self.linear_query(query) / math.sqrt(self.head_dim))
        scores = torch.matmul(q, k.transpose(2, 3))
        context = torch.matmul(self.dropout(torch.softmax(scores, dim=-1)), v)
        context = context.transpose(1, 2).contiguous().view(b, -1, self.heads * self.head_dim)
        return self.final_linear(context), scores.mean(dim=1)


class FeedForward(nn.Module):
    def __init__(self, d, hidden, p):
        super().__init__()
        self.w_1 = nn.Linear(d, hidden)
        self.w_2 = nn.Linear(hidden, d)
        self.layer_norm = nn.LayerNorm(d, eps=1e-6)
        self.dropout_1 = nn.Dropout(p)
        self.dropout_2 = nn.Dropout(p)

    def forward(self, x):
        return self.dropout_2(self.w_2(self.dropout_1(F.relu(self.w_1(self.layer_norm(x)))))) + x


class WordSelfAttention(nn.Module):
    def __init__(self, d, heads, p):
        super().__init__()
        self.self_attn = MultiHeadAttention(d, heads)
        self.ffn = FeedForward(d, 4 * d, p)
        self.layer_norm_1 = nn.LayerNorm(d, eps=1e-6)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        b, nb, nw, d = x.shape
        flat = self.layer_norm_1(x).view(b, nb * nw, d)
        context, scores = self.self_attn(flat, flat, flat)
        return self.ffn(self.drop(context.view(b, nb, nw, d)) + x), scores


class BagContextualAttention(nn.Module):
    def __init__(self, d, heads, p):
        super().__init__()
        self.self_attn = MultiHeadAttention(d, heads)
        self.context_norm = nn.LayerNorm(d)
        self.context_attn = MultiHeadAttention(d, heads)
        self.ffn = FeedForward(d, 4 * d, p)
        self.input_norm = nn.LayerNorm(d, eps=1e-6)
        self.query_norm = nn.LayerNorm(d, eps=1e-6)
        self.drop = nn.Dropout(p)

    def forward(self, x, context):
        x_norm = self.input_norm(x)
        query, _ = self.self_attn(x_norm, x_norm, x_norm)
        query_norm = self.query_norm(self.drop(query) + x)
        context_norm = self.context_norm(context)
        mid, scores = self.context_attn(context_norm, context_norm, query_norm)
        return self.ffn(self.drop(mid) + x), scores


class MIModel(nn.Module):
    """HATNet's attention network (model/mi_model_e2e.py of the authors' code), same parameter names."""
    def __init__(self, n_classes, cnn_feature_sz, out_features, num_bags_words, attn_heads, dropout, attn_p,
                 attn_type, attn_fn, **_):
        super().__init__()
        d, n2 = out_features, num_bags_words ** 2
        self.project_cnn_words = nn.Linear(cnn_feature_sz, d)
        self.attn_ovr_words = WordSelfAttention(d, attn_heads, dropout)
        self.attn_ovr_bags = BagContextualAttention(d, attn_heads, dropout)
        self.attn_dropout = nn.Dropout(attn_p)
        self.ffn_w2b_sa = FeedForward(d, d // 2, dropout)
        self.ffn_w2b_cnn = FeedForward(d, d // 2, dropout)
        self.ffn_b2s = FeedForward(d, d // 2, dropout)
        self.bag_word_wt = nn.Linear(n2, n2, bias=False)
        self.classifier = nn.Linear(d, n_classes)
        self.attn_type = attn_type
        self.attn_fn = {"softmax": lambda t: torch.softmax(t, dim=-1), "tanh": torch.tanh, "sigmoid": torch.sigmoid}[attn_fn]

    def energy(self, x):
        n = x.shape[-1]
        if self.attn_type == "l1":
            e = x.abs().sum(-1) / n
        elif self.attn_type == "l2":
            e = torch.linalg.vector_norm(x, dim=-1) / n
        else:
            e = x.sum(-1) / n
        return self.attn_dropout(self.attn_fn(self.bag_word_wt(e)).unsqueeze(-2)), e

    def forward(self, words):
        words_cnn = self.project_cnn_words(words)
        words_sa, w2w = self.attn_ovr_words(words_cnn)
        sa_weights, sa_energy = self.energy(words_sa)
        bags_sa = self.ffn_w2b_sa(torch.matmul(sa_weights, words_sa).squeeze(-2))
        cnn_weights, cnn_energy = self.energy(words_cnn)
        bags_cnn = self.ffn_w2b_cnn(torch.matmul(cnn_weights, words_cnn).squeeze(-2))
        bags, b2b = self.attn_ovr_bags(bags_cnn, bags_sa)
        bag_weights, bag_energy = self.energy(bags)
        logits = self.classifier(self.ffn_b2s(torch.matmul(bag_weights, bags).squeeze(-2)))
        return logits, {"w2w_self_attn": w2w, "b2b_self_attn": b2b, "word_scores": sa_energy + cnn_energy,
                        "bag_scores": bag_energy}


# ---------------------------------------------------------------- peers
def onnx_export(model, example, path):
    """The TorchScript exporter; without the `onnx` package (not pinned) it still writes the model,
    as only its custom-function pass needs that package and these models have none."""
    from torch.onnx._internal.torchscript_exporter import utils as exporter_utils
    try:
        import onnx  # noqa: F401
    except ImportError:
        exporter_utils.onnx_proto_utils._add_onnxscript_fn = lambda model_bytes, opsets: model_bytes
    torch.onnx.export(model, (example,), path, dynamo=False, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17)


def encoder_peers(model, x, names, threads, directory):
    peers, outputs = {}, {}
    if "pytorch" in names:
        def run_torch():
            with torch.inference_mode():
                return model(x)
        peers["pytorch"] = run_torch
    if "onnxruntime" in names or "openvino" in names:
        path = os.path.join(directory, "encoder.onnx")
        onnx_export(model, x[:1], path)
        array = x.numpy()
    if "onnxruntime" in names:
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        peers["onnxruntime"] = lambda: session.run(None, {"input": array})[0]
    if "openvino" in names:
        import openvino as ov
        # f32 as the others: on CPUs with bf16 (AVX512_BF16, AMX) OpenVINO would otherwise run bf16.
        compiled = ov.Core().compile_model(path, "CPU", {"INFERENCE_NUM_THREADS": threads,
                                                          "PERFORMANCE_HINT": "LATENCY",
                                                          "INFERENCE_PRECISION_HINT": "f32"})
        request = compiled.create_infer_request()
        peers["openvino"] = lambda: request.infer({0: array})[compiled.output(0)]
    return peers


def attention_peers(model, words, names, config):
    peers = {}
    if "pytorch" in names:
        def infer():
            model.eval()
            with torch.inference_mode():
                return torch.softmax(model(words)[0], dim=-1)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-9, weight_decay=4e-6)
        target = torch.tensor([1])
        class_weights = torch.ones(config["n_classes"])
        def train_step():
            model.train()
            logits, _ = model(words)
            loss = F.cross_entropy(logits, target, weight=class_weights)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        peers["pytorch"] = infer
        peers["pytorch-train"] = train_step
    return peers


def to_tensor(output):
    return torch.as_tensor(np.asarray(output) if not isinstance(output, torch.Tensor) else output).float().contiguous()


class Runner:
    def __init__(self):
        self.peers = {}
        self.timed_only = set()  # peers without an output to compare (training steps)

    def load(self, request):
        threads = int(request["threads"])
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model_spec = request["model"]
        names = request["peers"]
        directory = request["directory"]
        tensors = load_file(model_spec["inputs"])
        if model_spec["kind"] == "encoder":
            model = make_encoder(model_spec["architecture"], float(model_spec["scale"])).eval()
            if "weights" in model_spec:
                load_reference_state_dict(model, load_file(model_spec["weights"]))
            else:
                randomize_encoder(model, int(model_spec.get("seed", 1)))
                state = {k: v.contiguous() for k, v in reference_state_dict(model).items() if v.is_floating_point()}
                save_file(state, model_spec["weights_out"])
            # channels-last words [N, H, W, 3] as hatnet holds them -> NCHW
            x = tensors["words"].permute(0, 3, 1, 2).contiguous()
            self.peers = encoder_peers(model, x, names, threads, directory)
        elif model_spec["kind"] == "attention":
            config = model_spec["config"]
            model = MIModel(**config)
            load_reference_state_dict(model, load_file(model_spec["weights"]), encoder=False)
            self.peers = attention_peers(model, tensors["words"], names, config)
            self.timed_only = {name for name in self.peers if name.endswith("-train")}
        else:
            raise ValueError(f"unknown model kind {model_spec['kind']}")
        return {"peers": sorted(self.peers)}

    def time(self, request):
        peer = self.peers[request["peer"]]
        start = time.perf_counter()
        peer()
        return {"seconds": time.perf_counter() - start}

    def pipeline(self, request):
        return slide_pipeline(request)

    def outputs(self, request):
        results = {}
        for name, peer in self.peers.items():
            if name not in self.timed_only:
                results[name] = to_tensor(peer())
        save_file(results, request["path"])
        return {"names": sorted(results)}


# ---------------------------------------------------------------- slide -> diagnosis, built from peers
def current_rss_peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def reset_rss_peak():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def slide_pipeline(request):
    """What a performance-minded user writes with openslide-python, OpenCV and ONNX Runtime: each bag
    read from the coarsest level that still has the grid's resolution (never level 0 whole),
    cv2.resize (bilinear) to the bag size, normalised in float32, cut into words in the reference's
    column-major order, encoded by ONNX Runtime, then the attention network's PyTorch twin."""
    import cv2, openslide, onnxruntime as ort
    threads, bag, word = int(request["threads"]), int(request["bag"]), int(request["word"])
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    n = bag // word
    grid = bag * n
    # prepared before timing, as a deployed model would be: the encoder as ONNX, the attention twin
    encoder = make_encoder(request["encoder"], float(request.get("scale", 1.0))).eval()
    randomize_encoder(encoder, 1)
    path = os.path.join(request["directory"], "pipeline-encoder.onnx")
    onnx_export(encoder, torch.zeros(1, 3, word, word), path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    features = session.get_outputs()[0].shape[1]
    attention = MIModel(n_classes=4, cnn_feature_sz=features, out_features=256, num_bags_words=n, attn_heads=4,
                        dropout=0.4, attn_p=0.2, attn_type="l2", attn_fn="softmax").eval()
    # one warm-up call each, as a deployed model has had (PyTorch and ORT initialise lazily)
    session.run(None, {"input": np.zeros((n * n, 3, word, word), np.float32)})
    with torch.inference_mode():
        attention(torch.zeros(1, n * n, n * n, features))
    mean = np.array([0.485, 0.456, 0.406], np.float32) * 255
    inverse_std = 1 / (np.array([0.229, 0.224, 0.225], np.float32) * 255)
    stages = []

    reset_rss_peak()
    start = time.perf_counter()
    slide = openslide.OpenSlide(request["slide"])
    width, height = slide.dimensions
    stages.append({"name": "open", "seconds": time.perf_counter() - start, "peak_bytes": current_rss_peak()})

    reset_rss_peak()
    level = slide.get_best_level_for_downsample(min(width, height) / grid + 1e-9)
    while level > 0 and min(width, height) / slide.level_downsamples[level] < grid:
        level -= 1
    downsample = slide.level_downsamples[level]
    resample_seconds = encode_seconds = 0.0
    words = np.empty((n * n, n * n, features), np.float32)
    for index in range(n * n):
        start = time.perf_counter()
        column, row = divmod(index, n)  # the reference's column-major bag order
        x0, x1 = column * width / n, (column + 1) * width / n
        y0, y1 = row * height / n, (row + 1) * height / n
        size = (max(1, round((x1 - x0) / downsample)), max(1, round((y1 - y0) / downsample)))
        region = np.asarray(slide.read_region((int(x0), int(y0)), level, size))[:, :, :3]
        pixels = cv2.resize(region, (bag, bag), interpolation=cv2.INTER_LINEAR)
        pixels = (pixels.astype(np.float32) - mean) * inverse_std
        # [bag, bag, 3] -> words [n*n, 3, word, word], words column-major inside the bag
        batch = np.ascontiguousarray(pixels.reshape(n, word, n, word, 3).transpose(2, 0, 4, 1, 3).reshape(n * n, 3, word, word))
        middle = time.perf_counter()
        words[index] = session.run(None, {"input": batch})[0]
        encode_seconds += time.perf_counter() - middle
        resample_seconds += middle - start
    peak = current_rss_peak()
    stages.append({"name": "resample", "seconds": resample_seconds, "peak_bytes": peak})
    stages.append({"name": "encode", "seconds": encode_seconds, "peak_bytes": peak})

    reset_rss_peak()
    start = time.perf_counter()
    with torch.inference_mode():
        probabilities = torch.softmax(attention(torch.from_numpy(words).unsqueeze(0))[0], dim=-1)
    stages.append({"name": "attend", "seconds": time.perf_counter() - start, "peak_bytes": current_rss_peak()})
    return {"stages": stages, "probabilities": probabilities[0].tolist(), "level": level}


def serve():
    runner = Runner()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if request["op"] == "quit":
                break
            reply = getattr(runner, request["op"])(request)
        except Exception as error:  # reported to the caller, which names the peer and the model
            reply = {"error": f"{type(error).__name__}: {error}"}
        protocol_out.write(json.dumps(reply) + "\n")
        protocol_out.flush()


if __name__ == "__main__":
    serve()
"""#
}

/// A pure-PyTorch twin of timm's `VisionTransformer` forward pass (timm is not in the test
/// environment): patch conv, class/register tokens, position embeddings resampled with
/// `F.interpolate(mode='bicubic', antialias=True)` as `resample_abs_pos_embed`, pre-norm blocks
/// with `F.scaled_dot_product_attention`, LayerScale, Mlp or SwiGLUPacked, final norm or fc_norm.
/// The script first checks itself against a timm fixture (tokens and features), then draws random
/// weights for the configuration in argv[1] and writes weights and outputs.
enum VisionTransformerTwin {
    static let script = #"""
import json, sys, math
import torch, torch.nn.functional as F
from safetensors.torch import load_file, save_file

def forward(cfg, w, x):
    D = cfg["embed_dim"]; H = cfg["num_heads"]; p = cfg["patch_size"]; eps = cfg.get("layer_norm_eps", 1e-6)
    cls = cfg.get("class_token", True); R = cfg.get("reg_tokens", 0); nec = cfg.get("no_embed_class", False)
    pool = cfg.get("global_pool", "token"); fc = cfg.get("fc_norm", None); fc = (pool == "avg") if fc is None else fc
    glu = cfg.get("mlp_layer", "Mlp") == "SwiGLUPacked"
    act = {"GELU": F.gelu, "SiLU": F.silu}[cfg.get("act_layer", "SiLU" if glu else "GELU")]
    ls = cfg.get("init_values") is not None
    t = F.conv2d(x, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=p)
    B, _, gh, gw = t.shape
    t = t.flatten(2).transpose(1, 2)
    prefix = ([w["cls_token"].expand(B, -1, -1)] if cls else []) + ([w["reg_token"].expand(B, -1, -1)] if R else [])
    npre = (1 if cls else 0) + R
    pe = w["pos_embed"]; g = cfg["img_size"] // p
    keep = 0 if nec else npre
    if (gh, gw) != (g, g):
        pp = pe[:, keep:].reshape(1, g, g, D).permute(0, 3, 1, 2)
        pp = F.interpolate(pp, size=(gh, gw), mode="bicubic", antialias=True).permute(0, 2, 3, 1).reshape(1, -1, D)
        pe = torch.cat([pe[:, :keep], pp], 1)
    if nec:
        t = torch.cat(prefix + [t + pe], 1)
    else:
        t = torch.cat(prefix + [t], 1) + pe
    for i in range(cfg["depth"]):
        b = "blocks.%d." % i
        h = F.layer_norm(t, (D,), w[b + "norm1.weight"], w[b + "norm1.bias"], eps)
        qkv = F.linear(h, w[b + "attn.qkv.weight"], w.get(b + "attn.qkv.bias")).reshape(B, -1, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]).transpose(1, 2).reshape(B, -1, D)
        a = F.linear(a, w[b + "attn.proj.weight"], w[b + "attn.proj.bias"])
        t = t + (a * w[b + "ls1.gamma"] if ls else a)
        h = F.linear(F.layer_norm(t, (D,), w[b + "norm2.weight"], w[b + "norm2.bias"], eps), w[b + "mlp.fc1.weight"], w[b + "mlp.fc1.bias"])
        if glu:
            x1, x2 = h.chunk(2, dim=-1); h = act(x1) * x2
        else:
            h = act(h)
        m = F.linear(h, w[b + "mlp.fc2.weight"], w[b + "mlp.fc2.bias"])
        t = t + (m * w[b + "ls2.gamma"] if ls else m)
    if not fc:
        t = F.layer_norm(t, (D,), w["norm.weight"], w["norm.bias"], eps)
    f = t[:, 0] if pool == "token" else t[:, npre:].mean(1)
    if fc:
        f = F.layer_norm(f, (D,), w["fc_norm.weight"], w["fc_norm.bias"], eps)
    return t, f

# 1. the twin reproduces timm on the fixture
fixture = sys.argv[3]
cfg = json.load(open(fixture + ".json")); w = load_file(fixture + ".safetensors"); io = load_file(fixture + "_io.safetensors")
with torch.no_grad():
    t, f = forward(cfg, w, io["input"])
assert torch.allclose(t, io["tokens"], atol=1e-4, rtol=1e-4), (t - io["tokens"]).abs().max()
assert torch.allclose(f, io["features"], atol=1e-4, rtol=1e-4), (f - io["features"]).abs().max()

# 2. random weights for the new configuration
cfg = json.loads(sys.argv[1]); size = int(sys.argv[2]); out = sys.argv[4]
torch.manual_seed(7)
D = cfg["embed_dim"]; p = cfg["patch_size"]; hidden = int(D * cfg.get("mlp_ratio", 4.0))
glu = cfg.get("mlp_layer", "Mlp") == "SwiGLUPacked"; inner = hidden // 2 if glu else hidden
npre = (1 if cfg.get("class_token", True) else 0) + cfg.get("reg_tokens", 0)
g = cfg["img_size"] // p
rn = lambda *s, std=0.2: torch.randn(*s) * std
w = {"patch_embed.proj.weight": rn(D, 3, p, p, std=0.05), "patch_embed.proj.bias": rn(D),
     "pos_embed": rn(1, g * g + (0 if cfg.get("no_embed_class", False) else npre), D, std=0.5)}
if cfg.get("class_token", True): w["cls_token"] = rn(1, 1, D, std=0.5)
if cfg.get("reg_tokens", 0): w["reg_token"] = rn(1, cfg["reg_tokens"], D, std=0.5)
for i in range(cfg["depth"]):
    b = "blocks.%d." % i
    w.update({b + "norm1.weight": 1 + rn(D), b + "norm1.bias": rn(D), b + "attn.qkv.weight": rn(3 * D, D, std=D ** -0.5),
              b + "attn.qkv.bias": rn(3 * D), b + "attn.proj.weight": rn(D, D, std=D ** -0.5), b + "attn.proj.bias": rn(D),
              b + "norm2.weight": 1 + rn(D), b + "norm2.bias": rn(D), b + "mlp.fc1.weight": rn(hidden, D, std=D ** -0.5),
              b + "mlp.fc1.bias": rn(hidden), b + "mlp.fc2.weight": rn(D, inner, std=inner ** -0.5), b + "mlp.fc2.bias": rn(D)})
    if cfg.get("init_values") is not None:
        w[b + "ls1.gamma"] = 0.5 + rn(D); w[b + "ls2.gamma"] = 0.5 + rn(D)
pool = cfg.get("global_pool", "token"); fc = cfg.get("fc_norm", None); fc = (pool == "avg") if fc is None else fc
n = "fc_norm." if fc else "norm."
w[n + "weight"] = 1 + rn(D); w[n + "bias"] = rn(D)
x = torch.randn(2, 3, size, size)
with torch.no_grad():
    t, f = forward(cfg, w, x)
save_file({k: v.contiguous() for k, v in w.items()}, out + ".safetensors")
save_file({"input": x, "tokens": t.contiguous(), "features": f.contiguous()}, out + "_io.safetensors")
print("ok", list(t.shape), list(f.shape))
"""#
}

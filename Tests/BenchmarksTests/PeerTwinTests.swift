@testable import Benchmarks
import Encoders
import Foundation
import Testing
import TestSupport

/// The PyTorch twins the peer benchmarks run (``PeerScript``) against the reference fixtures made by
/// the authors' code: loaded with the fixture weights, each twin must reproduce the fixture outputs —
/// for the attention network the logits, the four attention scores, the loss, every gradient and
/// three Adam steps; for the encoders the pooled features. The twins then stand for the reference
/// in `hatnet bench … --peers`.
@Suite struct PeerTwinTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")

    /// Runs `body` (Python) after loading the peer script as a module `peers`; returns the JSON
    /// object the body prints on a line starting with `RESULT `.
    static func runWithTwins(_ body: String, arguments: [String] = []) throws -> [String: Double] {
        let directory = try TemporaryDirectory()
        let script = directory.url.appendingPathComponent("peers.py")
        try PeerScript.source.write(to: script, atomically: true, encoding: .utf8)
        let prelude = """
            import json, sys
            peers = {"__name__": "hatnet_peers"}
            exec(compile(open(sys.argv[1]).read(), "peers.py", "exec"), peers)
            torch, F, load_file = peers["torch"], peers["F"], peers["load_file"]
            def relative(a, b):
                return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()
            results = {}

            """
        let result = try PythonInterop.run(script: prelude + body + "\nprint('RESULT ' + json.dumps(results))",
                                           arguments: [script.path, fixtures.path] + arguments)
        #expect(result.status == 0, "\(result.output.suffix(2000))")
        guard let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }) else {
            Issue.record("no result: \(result.output.suffix(2000))")
            return [:]
        }
        let object = try JSONSerialization.jsonObject(with: Data(line.dropFirst("RESULT ".count).utf8)) as? [String: Double]
        return try #require(object)
    }

    @Test func attentionTwinReproducesTheReferenceMIModel() throws {
        let results = try Self.runWithTwins("""
            root = sys.argv[2]
            for tag in ["softmax_l2", "tanh_l1"]:
                config = json.load(open(f"{root}/mimodel_{tag}.json"))
                model = peers["MIModel"](**config).eval()
                peers["load_reference_state_dict"](model, load_file(f"{root}/mimodel_{tag}.safetensors"), encoder=False)
                io = load_file(f"{root}/mimodel_{tag}_io.safetensors")
                logits, scores = model(io["words"])
                results[f"{tag} logits"] = relative(logits, io["logits"])
                for name, value in scores.items():
                    results[f"{tag} {name}"] = relative(value, io[name])
                loss = F.cross_entropy(logits, io["label"], weight=io["class_weights"])
                results[f"{tag} loss"] = relative(loss.reshape(1), io["loss"])
                loss.backward()
                # relative to the largest gradient of all: some parameters' gradients are nearly zero
                names = [n for n, _ in model.named_parameters()]
                results[f"{tag} gradients"] = relative(torch.cat([p.grad.flatten() for _, p in model.named_parameters()]),
                                                       torch.cat([io["grad." + n].flatten() for n in names]))
                # three Adam steps from the fixture weights, as the reference made them
                adam = config["adam"]
                model = peers["MIModel"](**config).eval()
                peers["load_reference_state_dict"](model, load_file(f"{root}/mimodel_{tag}.safetensors"), encoder=False)
                optimizer = torch.optim.Adam(model.parameters(), lr=adam["lr"], betas=tuple(adam["betas"]), eps=adam["eps"],
                                             weight_decay=adam["weight_decay"])
                expected = load_file(f"{root}/mimodel_{tag}_adam3.safetensors")
                losses = []
                for _ in range(adam["steps"]):
                    loss = F.cross_entropy(model(io["words"])[0], io["label"], weight=io["class_weights"])
                    losses.append(loss.item())
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                results[f"{tag} adam losses"] = relative(torch.tensor(losses), expected["losses"])
                results[f"{tag} adam weights"] = max(relative(p.detach(), expected[n]) for n, p in model.named_parameters())
            """)
        #expect(results.count == 2 * 9)
        for (name, error) in results.sorted(by: { $0.key < $1.key }) {
            #expect(error < 1e-4, "\(name): relative error \(error)")
        }
    }

    @Test func encoderTwinsReproduceTheReferenceFeatures() throws {
        let efficientNetWeights = try WeightCache().fetch(WeightCatalog.efficientNetLite0) { print($0) }
        let results = try Self.runWithTwins("""
            root = sys.argv[2]
            for architecture, scale, tag in [("espnetv2", 0.5, "espnetv2_s0.5"), ("mobilenetv2", 0.5, "mobilenetv2_w0.5"),
                                             ("mnasnet", 0.5, "mnasnet_a0.5")]:
                model = peers["make_encoder"](architecture, scale).eval()
                peers["load_reference_state_dict"](model, load_file(f"{root}/encoder_{tag}.safetensors"))
                io = load_file(f"{root}/encoder_{tag}_io.safetensors")
                with torch.no_grad():
                    results[tag] = relative(model(io["input"]), io["features"])
            model = peers["make_encoder"]("efficientnet-lite0", 1.0).eval()
            peers["load_reference_state_dict"](model, torch.load(sys.argv[3], map_location="cpu"))
            io = load_file(f"{root}/encoder_efficientnet-lite0_imagenet_io.safetensors")
            with torch.no_grad():
                results["efficientnet-lite0"] = relative(model(io["input"]), io["features"])
            """, arguments: [efficientNetWeights.path])
        #expect(Set(results.keys) == ["espnetv2_s0.5", "mobilenetv2_w0.5", "mnasnet_a0.5", "efficientnet-lite0"])
        for (name, error) in results.sorted(by: { $0.key < $1.key }) {
            #expect(error < 1e-5, "\(name): relative error \(error)")
        }
    }
}

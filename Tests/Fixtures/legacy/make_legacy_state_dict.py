"""Writes legacy_state_dict.pth: a small state dict in the pre-1.6 `torch.save` format (pickles
back to back, then raw storages), without needing torch. Stand-in classes carry the module and
names torch uses, so the pickle names exactly the globals a real legacy file names.

Contents (what LegacyPyTorchCheckpointTests expects):
  conv.weight           float32 [2, 3] = 0 … 5           storage '0' (FloatStorage, 6 elements)
  bn.num_batches_tracked int64 []      = 7               storage '1' (LongStorage, 1 element)
  view.weight           float32 [2]    = 11, 13          storage '2' (10 … 14), offset 1, stride 2
Run: python3 make_legacy_state_dict.py
"""
import collections
import pickle
import struct
import sys
import types

torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
sys.modules["torch"], sys.modules["torch._utils"] = torch, torch_utils


def _stand_in_class(name):
    cls = type(name, (), {})
    cls.__module__ = "torch"
    setattr(torch, name, cls)
    return cls


FloatStorage, LongStorage = _stand_in_class("FloatStorage"), _stand_in_class("LongStorage")


def _rebuild_tensor_v2(*arguments):
    raise NotImplementedError


_rebuild_tensor_v2.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2


class Storage:
    def __init__(self, key, storage_type, values, format_code):
        self.key, self.storage_type, self.values, self.format_code = key, storage_type, values, format_code


class Tensor:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, shape, stride

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2,
                (self.storage, self.offset, self.shape, self.stride, False, collections.OrderedDict()))


class LegacyPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.storage_type, obj.key, "cpu", len(obj.values), None)
        return None


storages = [Storage("0", FloatStorage, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "<f"),
            Storage("1", LongStorage, [7], "<q"),
            Storage("2", FloatStorage, [10.0, 11.0, 12.0, 13.0, 14.0], "<f")]
state_dict = collections.OrderedDict([
    ("conv.weight", Tensor(storages[0], 0, (2, 3), (3, 1))),
    ("bn.num_batches_tracked", Tensor(storages[1], 0, (), ())),
    ("view.weight", Tensor(storages[2], 1, (2,), (2,))),
])
state_dict._metadata = collections.OrderedDict([("", {"version": 1})])

with open("legacy_state_dict.pth", "wb") as file:
    pickle.dump(0x1950A86A20F9469CFC6C, file, protocol=2)
    pickle.dump(1001, file, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, file, protocol=2)
    LegacyPickler(file, protocol=2).dump(state_dict)
    pickle.dump(sorted(storage.key for storage in storages), file, protocol=2)
    for storage in sorted(storages, key=lambda storage: storage.key):
        file.write(struct.pack("<q", len(storage.values)))
        file.write(b"".join(struct.pack(storage.format_code, value) for value in storage.values))

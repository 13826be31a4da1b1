using AlexNet.Data;

namespace AlexNet.Actors.Protocol;

// Messages between the coordinator and data-loader actors. A batch is a pure function of
// (run seed, split, epoch, batch index), so the coordinator may ask any loader for any batch.

/// <summary>The two halves of a dataset a run reads.</summary>
public enum DataSplit { Train, Validation }

/// <summary>Coordinator → loader: what data do you serve? Reply: <see cref="DataDescription"/>.</summary>
public sealed record DescribeData;

/// <summary>Loader → coordinator: sizes, classes and statistics of the data this loader serves.</summary>
public sealed record DataDescription(
    string Name, int TrainCount, int ValidationCount, IReadOnlyList<string> ClassNames, int StoredSide, DatasetStatistics Statistics);

/// <summary>
/// Coordinator → loader: assemble batch <paramref name="Index"/> of <paramref name="Epoch"/>
/// (training: that slice of the epoch's permutation with random augmentation; validation: images
/// [Index·B, (Index+1)·B) in order, in the given view). Reply: <see cref="BatchReady"/> or <see cref="BatchFailed"/>.
/// The coordinator bounds how many are outstanding, so a loader's mailbox stays bounded.
/// </summary>
public sealed record LoadBatch(DataSplit Split, long Epoch, int Index, int BatchSize, BatchView View);

/// <summary>Loader → coordinator: the batch asked for.</summary>
public sealed record BatchReady(DataSplit Split, ImageBatch Batch, TimeSpan AssemblyTime);

/// <summary>Loader → coordinator: the batch could not be built.</summary>
public sealed record BatchFailed(DataSplit Split, long Epoch, int Index, string Reason);

/// <summary>
/// Anyone (the cluster membership watcher) → coordinator: a loader joined; ask it for batches too.
/// The coordinator watches it and, should it stop, asks the others for what it still owed.
/// <paramref name="Node"/> names where it runs (null: a node of its own); see <see cref="LoaderDropped"/>.
/// </summary>
public sealed record LoaderJoined(Akka.Actor.IActorRef Loader, string? Node = null);

/// <summary>Anyone → coordinator: a loader is leaving; stop asking it, and re-ask the others for its batches.</summary>
public sealed record LoaderLeft(Akka.Actor.IActorRef Loader);

/// <summary>
/// Coordinator → its listener: <paramref name="Loader"/> did not deliver the batch due next within the
/// step timeout (<paramref name="Reason"/>), so it was taken off the run together with every other
/// loader of its node (they share its process and storage, and would each cost another step timeout).
/// A host that hands loaders to later coordinators leaves that node's loaders out from now on.
/// </summary>
public sealed record LoaderDropped(Akka.Actor.IActorRef Loader, string Reason);

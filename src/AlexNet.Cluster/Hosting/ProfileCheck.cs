using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Hosting;

/// <summary>Compares a node's profile with the coordinator's, naming every key that differs.</summary>
public static class ProfileCheck
{
    /// <summary>Null when the node may join; otherwise the reason, naming each differing key with both values.</summary>
    /// <param name="isLoader">The node serves data: seed, augmentation and data source must agree too.</param>
    /// <param name="isCoordinator">
    /// The node may take the run over (coordinator role): everything a loader is checked for, and the
    /// training settings that decide the run (<see cref="NodeProfile.Terms"/>), must agree too.
    /// </param>
    public static string? Refusal(NodeProfile coordinator, NodeProfile node, bool isLoader, bool isCoordinator = false)
    {
        var differences = new List<string>();
        void Compare(string key, object? mine, object? theirs)
        {
            if (!Equals(mine, theirs)) differences.Add($"{key}: this node has {theirs ?? "nothing"}, the coordinator {mine ?? "nothing"}");
        }
        Compare("alexnet.model.towers", coordinator.Model.Towers, node.Model.Towers);
        Compare("alexnet.model.classes", coordinator.Model.Classes, node.Model.Classes);
        Compare("alexnet.model.width", coordinator.Model.Width, node.Model.Width);
        Compare("alexnet.model.crop", coordinator.Model.Crop, node.Model.Crop);
        Compare("alexnet.model.dropout", coordinator.Model.Dropout, node.Model.Dropout);
        Compare("model init scaling", coordinator.Model.InitScaling, node.Model.InitScaling);
        bool model = differences.Count > 0;
        if (isLoader || isCoordinator)
        {
            Compare("alexnet.train.seed", coordinator.Seed, node.Seed);
            Compare("alexnet.data.flip", coordinator.Augmentation.Flip, node.Augmentation.Flip);
            Compare("alexnet.data.lighting-std", coordinator.Augmentation.LightingStd, node.Augmentation.LightingStd);
            Compare("alexnet.data.source", coordinator.DataSource, node.DataSource);
        }
        if (isCoordinator)
        {
            var theirs = node.TermsOrNone.ToDictionary(t => t.Key, t => t.Value);
            foreach (var term in coordinator.TermsOrNone) Compare(term.Key, term.Value, theirs.GetValueOrDefault(term.Key));
        }
        if (differences.Count == 0) return null;
        return (model || !isCoordinator ? "model configuration differs from the coordinator's: "
                   : "run configuration differs from the coordinator's (a coordinator node must be able to take the run over): ")
               + string.Join("; ", differences);
    }
}
